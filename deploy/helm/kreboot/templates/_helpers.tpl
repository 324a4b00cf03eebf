{{/* Names, labels and the flag lists of each role. */}}

{{- /*
The name every object starts with, as kured's chart computes it (nameOverride, fullnameOverride),
cut to 50 so "-controller" still fits the 63 characters of a name.
*/ -}}
{{- define "kreboot.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 50 | trimSuffix "-" -}}
{{- else -}}
{{- $name := .Values.nameOverride | default .Chart.Name -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 50 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 50 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{- define "kreboot.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: kreboot
{{- end -}}

{{- define "kreboot.selector" -}}
app.kubernetes.io/name: {{ .root.Chart.Name }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{- define "kreboot.agentName" -}}{{ include "kreboot.fullname" . }}-agent{{- end -}}
{{- define "kreboot.controllerName" -}}{{ include "kreboot.fullname" . }}-controller{{- end -}}
{{- define "kreboot.agentServiceAccount" -}}{{ .Values.serviceAccount.name | default (include "kreboot.agentName" .) }}{{- end -}}
{{- define "kreboot.controllerServiceAccount" -}}{{ .Values.serviceAccount.controllerName | default (include "kreboot.controllerName" .) }}{{- end -}}
{{- define "kreboot.credentialsSecret" -}}{{ .Values.controller.credentials.existingSecret | default (include "kreboot.controllerName" .) }}{{- end -}}
{{- define "kreboot.leaseName" -}}{{ .Values.controller.leaderElection.leaseName | default (include "kreboot.controllerName" .) }}{{- end -}}
{{- /* The DaemonSet holding the reboot lock: the agents' own, or kured's during the switch. */ -}}
{{- define "kreboot.lockName" -}}{{ .Values.controller.lockDaemonSet.name | default (include "kreboot.agentName" .) }}{{- end -}}
{{- define "kreboot.lockNamespace" -}}{{ .Values.controller.lockDaemonSet.namespace | default .Release.Namespace }}{{- end -}}
{{- /*
The image. A kured values file names kured's image (ghcr.io/kubereboot/kured, or the older
weaveworks/kured that kured's CI values still name), which cannot run kreboot: that repository, and
its tag, are taken as unset (NOTES.txt says so).
*/ -}}
{{- define "kreboot.kuredImage" -}}{{ regexMatch "(^|/)(kubereboot|weaveworks)/kured$" .Values.image.repository | ternary "true" "" }}{{- end -}}
{{- define "kreboot.image" -}}
{{- if include "kreboot.kuredImage" . -}}
{{ printf "ghcr.io/kreboot/kreboot:%s" .Chart.AppVersion }}
{{- else -}}
{{ printf "%s:%s" .Values.image.repository (.Values.image.tag | default .Chart.AppVersion) }}
{{- end -}}
{{- end -}}

{{/*
configuration.* keys (kured's chart names) → flags, per role. Empty, zero and false values are
left out (the flag's own default applies), as in kured's chart; lists give one flag per item.
*/}}
{{- define "kreboot.controllerFlags" -}}
{{- dict "metricsHost" "metrics-host" "metricsPort" "metrics-port" "lockTtl" "lock-ttl" "alertFilterRegexp" "alert-filter-regexp" "alertFiringOnly" "alert-firing-only" "alertFilterMatchOnly" "alert-filter-match-only" "blockingPodSelector" "blocking-pod-selector" "endTime" "end-time" "lockAnnotation" "lock-annotation" "forceReboot" "force-reboot" "drainGracePeriod" "drain-grace-period" "drainPodSelector" "drain-pod-selector" "drainDelay" "drain-delay" "drainTimeout" "drain-timeout" "skipWaitForDeleteTimeout" "skip-wait-for-delete-timeout" "prometheusUrl" "prometheus-url" "rebootDays" "reboot-days" "slackChannel" "slack-channel" "slackHookUrl" "slack-hook-url" "slackUsername" "slack-username" "notifyUrl" "notify-url" "messageTemplateDrain" "message-template-drain" "messageTemplateReboot" "message-template-reboot" "messageTemplateUncordon" "message-template-uncordon" "startTime" "start-time" "timeZone" "time-zone" "annotateNodes" "annotate-nodes" "lockReleaseDelay" "lock-release-delay" "preferNoScheduleTaint" "prefer-no-schedule-taint" "logFormat" "log-format" "preRebootNodeLabels" "pre-reboot-node-labels" "postRebootNodeLabels" "post-reboot-node-labels" "concurrency" "concurrency" | toJson -}}
{{- end -}}

{{- define "kreboot.agentFlags" -}}
{{- dict "metricsHost" "metrics-host" "metricsPort" "metrics-port" "period" "period" "rebootSentinelCommand" "reboot-sentinel-command" "rebootCommand" "reboot-command" "rebootDelay" "reboot-delay" "rebootMethod" "reboot-method" "rebootSignal" "reboot-signal" "logFormat" "log-format" | toJson -}}
{{- end -}}

{{/*
controller.* and agent.* keys of kreboot's own flags → flags; rendered like configuration.*.
*/}}
{{- define "kreboot.controllerOwnFlags" -}}
{{- dict "trigger" "trigger" "maintenanceWindows" "maintenance-window" "managedNodeSelector" "node-selector" "rebootTimeout" "reboot-timeout" "maxRebootAttempts" "max-reboot-attempts" "retryBackoff" "retry-backoff" "hookTimeout" "hook-timeout" "hookFailure" "hook-failure" "stuckNodeRebootRetries" "stuck-node-reboot-retries" "stuckNodeRetryWindow" "stuck-node-retry-window" "stuckNodeRemediationLabel" "stuck-node-remediation-label" "stuckNodeRemediationAnnotation" "stuck-node-remediation-annotation" "stuckNodeRemediationTimeout" "stuck-node-remediation-timeout" "workloadGate" "workload-gate" "workloadGateTimeout" "workload-gate-timeout" "workloadGateTimeoutAction" "workload-gate-timeout-action" "gateRecheckPeriod" "gate-recheck-period" "alertScope" "alert-scope" "alertFilterLabels" "alert-filter-labels" "alertNodeLabels" "alert-node-labels" "rebootAlertRegexp" "reboot-alert-regexp" "remediationAlertRegexp" "remediation-alert-regexp" "prometheusGateQuery" "prometheus-gate-query" "prometheusTimeout" "prometheus-timeout" "prometheusBearerTokenFile" "prometheus-bearer-token-file" "prometheusUsername" "prometheus-username" "prometheusPasswordFile" "prometheus-password-file" "prometheusCaFile" "prometheus-ca-file" "maxUnavailablePerZone" "max-unavailable-per-zone" "zoneLabel" "zone-label" "zoneByZone" "zone-by-zone" "nodeOrder" "node-order" "maxNodeAge" "max-node-age" "alertmanagerUrl" "alertmanager-url" "alertmanagerBearerTokenFile" "alertmanager-bearer-token-file" "alertmanagerUsername" "alertmanager-username" "alertmanagerPasswordFile" "alertmanager-password-file" "alertmanagerCaFile" "alertmanager-ca-file" "alertmanagerTimeout" "alertmanager-timeout" "silenceMatchers" "silence-matchers" "alertIgnoreSilenced" "alert-ignore-silenced" "leaseDuration" "lease-duration" "webhookBodyLimit" "webhook-body-limit" "webhookMaxNodes" "webhook-max-nodes" "probePort" "probe-port" "clusterName" "cluster-name" "notifyEvents" "notify-events" "logLevel" "log-level" | toJson -}}
{{- end -}}

{{- define "kreboot.agentOwnFlags" -}}
{{- dict "sentinelCommandTimeout" "sentinel-command-timeout" "procStatFile" "proc-stat-file" "preDrainHookCommand" "pre-drain-hook-command" "postRebootHookCommand" "post-reboot-hook-command" "logLevel" "log-level" | toJson -}}
{{- end -}}

{{/* One flag: --name=value. Helm reads YAML numbers as float64, which %v prints as 1e+06 from a
million on: whole numbers are printed as integers. (dict "flag" name "value" v) */}}
{{- define "kreboot.flag" -}}
{{- $value := .value -}}
{{- if and (kindIs "float64" $value) (eq $value (floor $value)) }}{{ $value = int64 $value }}{{ end -}}
{{ printf "--%s=%v" .flag $value | quote }}
{{- end -}}

{{/* Renders the flags of one value map: (dict "config" map "flags" (include "kreboot.xFlags" $)).
An empty or false value is left out (the flag's default applies), except a false flag whose
default is true (controller.workloadGate: false renders --workload-gate=false). */}}
{{- define "kreboot.valueArgs" -}}
{{- $config := .config -}}
{{- $root := .root -}}
{{- range $key, $flag := fromJson .flags }}
{{- $value := index $config $key }}
{{- /* kured's chart renders its Slack values as templates ({{ .Release.Name }} in a channel name). */ -}}
{{- if and $root (kindIs "string" $value) (has $key (list "slackChannel" "slackHookUrl" "slackUsername")) }}
{{- $value = tpl $value $root }}
{{- end }}
{{- if kindIs "slice" $value }}
{{- range $value }}
- {{ include "kreboot.flag" (dict "flag" $flag "value" .) }}
{{- end }}
{{- else if or $value (and (kindIs "bool" $value) (has $key (list "workloadGate"))) }}
- {{ include "kreboot.flag" (dict "flag" $flag "value" $value) }}
{{- end }}
{{- end }}
{{- end -}}

{{/* Renders extraArgs maps ({flag: value}; empty value: a bare --flag): (dict "maps" (list m1 m2)). */}}
{{- define "kreboot.extraArgs" -}}
{{- range $map := .maps }}
{{- range $flag, $value := $map }}
{{- if kindIs "slice" $value }}
{{- range $value }}
- {{ include "kreboot.flag" (dict "flag" $flag "value" .) }}
{{- end }}
{{- else if or $value (kindIs "bool" $value) }}
- {{ include "kreboot.flag" (dict "flag" $flag "value" $value) }}
{{- else }}
- {{ printf "--%s" $flag | quote }}
{{- end }}
{{- end }}
{{- end }}
{{- end -}}

{{/* The annotations of both ServiceAccounts (kured's serviceAccount.extraAnnotations). */}}
{{- define "kreboot.serviceAccountAnnotations" -}}
{{- with .Values.serviceAccount.extraAnnotations }}
annotations:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end -}}

{{/* The sentinel file as the agent sees it: its host folder is mounted at /sentinel. */}}
{{- define "kreboot.sentinelPath" -}}{{ .Values.configuration.rebootSentinel | default "/var/run/reboot-required" }}{{- end -}}

{{/* The agent's securityContext: the value given, else the least the reboot method needs. */}}
{{- define "kreboot.agentSecurityContext" -}}
{{- if .Values.containerSecurityContext -}}
{{- /* Root unless the value says otherwise: the image runs as 65532, and kured's value
(privileged: true, no user) would leave a privileged process without capabilities, unable to
nsenter or signal the host. */ -}}
{{ toYaml (merge (deepCopy .Values.containerSecurityContext) (dict "runAsUser" 0)) }}
{{- else if and (eq .Values.configuration.rebootMethod "signal") (not .Values.configuration.rebootSentinelCommand) (not .Values.agent.preDrainHookCommand) (not .Values.agent.postRebootHookCommand) -}}
privileged: false
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
runAsUser: 0
capabilities:
  drop: [ALL]
  add: [KILL]
seccompProfile:
  type: RuntimeDefault
{{- else -}}
privileged: true
runAsUser: 0
readOnlyRootFilesystem: true
{{- end -}}
{{- end -}}

{{/* Whether a hook Job template is set (controller.hooks): the ConfigMap, its mount and the Jobs RBAC follow. */}}
{{- define "kreboot.hookJobs" -}}
{{- if or .Values.controller.hooks.preDrainJob .Values.controller.hooks.postRebootJob }}true{{ end -}}
{{- end -}}
{{/* Node pools (docs/pools.md): the ConfigMap both roles mount and follow; empty when no pool is declared. */}}
{{- define "kreboot.poolsConfigMap" -}}{{ include "kreboot.fullname" . }}-pools{{- end -}}
