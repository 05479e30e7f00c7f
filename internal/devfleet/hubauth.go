package devfleet

import (
	"crypto/rand"
	"encoding/csv"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
)

// Identities the local hub knows by static bearer token (the API server's --token-auth-file):
// people signing in to the console, and the hub API server's own audit webhook. `dev up` binds
// them to roles; a real hub authenticates people its own way (OIDC, ServiceAccount tokens) and
// the console only asks the hub (TokenReview).
const (
	// UserAdmin may do anything (cluster-admin): the token `dev up` prints.
	UserAdmin   = "fleet-admin"
	GroupAdmins = "flotilla:admins"
	// UserViewer may read Flotilla's objects and the audit trail, and change nothing.
	UserViewer   = "fleet-viewer"
	GroupViewers = "flotilla:viewers"
	// UserAuditIngest is what the hub API server's audit webhook sends its events as.
	UserAuditIngest   = "flotilla-audit-ingest"
	GroupAuditWriters = "flotilla:audit-writers"
)

// Tokens are the local hub's bearer tokens, by identity.
type Tokens struct{ Admin, Viewer, AuditIngest string }

// AuditIngestPath is where the console takes the hub API server's audit events.
const AuditIngestPath = "/api/v1/audit/ingest/apiserver"

// tokensFile, auditPolicyFile, auditWebhookFile and AuditLogFile live in the hub's folder.
func tokensFile(c Cluster) string       { return c.pki("tokens.csv") }
func auditPolicyFile(c Cluster) string  { return filepath.Join(c.Dir, "audit-policy.yaml") }
func auditWebhookFile(c Cluster) string { return filepath.Join(c.Dir, "audit-webhook.kubeconfig") }

// AuditLogFile is the hub API server's own audit log (JSON lines, rotated at 100 MB).
func AuditLogFile(c Cluster) string { return filepath.Join(c.Dir, "logs", "audit.log") }

// auditPolicy records every change (not reads) at Metadata level — who, what, when, outcome,
// never a request or response body, so Secrets and kubeconfigs are recorded by name only — and
// leaves out the noise: events, leases, token and access reviews, and the control plane's own
// components.
const auditPolicy = `apiVersion: audit.k8s.io/v1
kind: Policy
omitStages: [RequestReceived, ResponseStarted, Panic]
rules:
- level: None
  verbs: [get, list, watch]
- level: None
  users: [system:apiserver, system:kube-controller-manager, system:kube-scheduler]
- level: None
  resources:
  - {group: "", resources: [events]}
  - {group: events.k8s.io, resources: [events]}
  - {group: coordination.k8s.io, resources: [leases]}
  - {group: authentication.k8s.io}
  - {group: authorization.k8s.io}
- level: Metadata
`

// hubAuthArgs are the hub API server's flags for static tokens and its audit: a log file, and a
// webhook (batched, retried by the API server) to the console's ingest endpoint.
func hubAuthArgs(c Cluster) []string {
	return []string{
		"--token-auth-file=" + tokensFile(c),
		"--audit-policy-file=" + auditPolicyFile(c),
		"--audit-log-path=" + AuditLogFile(c), "--audit-log-maxsize=100", "--audit-log-maxbackup=2", "--audit-log-format=json",
		"--audit-webhook-config-file=" + auditWebhookFile(c), "--audit-webhook-mode=batch",
		"--audit-webhook-batch-max-wait=1s", "--audit-webhook-initial-backoff=1s",
	}
}

// writeHubAuth writes the hub's token file, audit policy and audit webhook configuration.
func writeHubAuth(c Cluster) error {
	tokens := Tokens{}
	var err error
	for _, t := range []*string{&tokens.Admin, &tokens.Viewer, &tokens.AuditIngest} {
		if *t, err = newToken(); err != nil {
			return err
		}
	}
	f, err := os.OpenFile(tokensFile(c), os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	w := csv.NewWriter(f)
	for _, row := range [][]string{
		{tokens.Admin, UserAdmin, UserAdmin, GroupAdmins},
		{tokens.Viewer, UserViewer, UserViewer, GroupViewers},
		{tokens.AuditIngest, UserAuditIngest, UserAuditIngest, GroupAuditWriters},
	} {
		if err := w.Write(row); err != nil {
			_ = f.Close()
			return err
		}
	}
	w.Flush()
	if err := w.Error(); err != nil {
		_ = f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.WriteFile(auditPolicyFile(c), []byte(auditPolicy), 0o644); err != nil {
		return err
	}
	webhook := fmt.Sprintf(`apiVersion: v1
kind: Config
clusters:
- name: console
  cluster: {server: "https://127.0.0.1:%d%s", certificate-authority: %s}
users:
- name: audit
  user: {token: %s}
contexts:
- name: audit
  context: {cluster: console, user: audit}
current-context: audit
`, c.AuditIngestPort, AuditIngestPath, strconv.Quote(c.pki("ca.crt")), strconv.Quote(tokens.AuditIngest))
	return os.WriteFile(auditWebhookFile(c), []byte(webhook), 0o600)
}

func newToken() (string, error) {
	b := make([]byte, 24)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return hex.EncodeToString(b), nil
}

// Tokens reads the local hub's bearer tokens.
func (f *Fleet) Tokens() (Tokens, error) {
	raw, err := os.Open(tokensFile(f.Hub))
	if err != nil {
		return Tokens{}, fmt.Errorf("reading the hub's tokens (a fleet created before the console needs 'flotilla dev down' and 'up'): %w", err)
	}
	defer func() { _ = raw.Close() }()
	rows, err := csv.NewReader(raw).ReadAll()
	if err != nil {
		return Tokens{}, err
	}
	var t Tokens
	for _, row := range rows {
		if len(row) < 2 {
			continue
		}
		switch row[1] {
		case UserAdmin:
			t.Admin = row[0]
		case UserViewer:
			t.Viewer = row[0]
		case UserAuditIngest:
			t.AuditIngest = row[0]
		}
	}
	if t.Admin == "" || t.Viewer == "" || t.AuditIngest == "" {
		return Tokens{}, fmt.Errorf("%s lacks a token", tokensFile(f.Hub))
	}
	return t, nil
}

// AuditIngestAddr is where `dev up` has the console take the hub API server's audit events.
func (f *Fleet) AuditIngestAddr() string { return "127.0.0.1:" + strconv.Itoa(f.Hub.AuditIngestPort) }

// ConsoleURL is where `dev up` serves the console.
func (f *Fleet) ConsoleURL() string {
	if f.Hub.ConsolePort == 0 {
		return ""
	}
	return "http://127.0.0.1:" + strconv.Itoa(f.Hub.ConsolePort) + "/"
}
