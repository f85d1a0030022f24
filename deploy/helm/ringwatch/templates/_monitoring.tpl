{{/*
Relabelings shared by the PodMonitor and the ServiceMonitor: the rules and dashboards select
job="ringwatch" and role=<component> (the compose stack's Prometheus sets the same labels).
*/}}
{{- define "ringwatch.scrapeRelabelings" -}}
- action: replace
  targetLabel: job
  replacement: ringwatch
- action: replace
  sourceLabels: [__meta_kubernetes_pod_label_app_kubernetes_io_component]
  targetLabel: role
- action: replace
  sourceLabels: [__meta_kubernetes_pod_name]
  targetLabel: pod
{{- end -}}

{{- define "ringwatch.monitorLabels" -}}
{{ include "ringwatch.labels" .ctx }}
{{- with .extra }}
{{ toYaml . }}
{{- end }}
{{- end -}}
