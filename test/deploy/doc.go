// Package deploy checks Flotilla's install manifests — the Helm chart in deploy/helm/flotilla and
// the kustomize configuration in config/default — and its container image recipe. The manifests
// are rendered with the pinned helm and kustomize (bin/, `make deploy-tools`), checked for what a
// production install needs (non-root read-only pods with requests and probes, two leader-elected
// controller replicas with a PodDisruptionBudget, webhooks and certificates that fit together,
// audit records sent to the console), compared with their generated sources (CRDs, RBAC,
// webhooks, the console's roles) so they cannot drift, and applied to a real hub API server
// (envtest, from the pinned Kubernetes binaries) with a server-side dry run. The RBAC is created
// for real and asked, with SubjectAccessReviews, for what each identity must and must not do.
package deploy
