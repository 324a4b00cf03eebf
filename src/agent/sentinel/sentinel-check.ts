// The reboot sentinel: something on the host that says whether it needs a reboot. One method, one
// file per kind (a file, a command). An error always comes with `required: false`: a broken check
// must never lead to a reboot (kured #976).

export type SentinelResult =
  { readonly required: boolean; readonly error?: undefined } | { readonly required: false; readonly error: string };

export interface SentinelCheck {
  check(): Promise<SentinelResult>;
}
