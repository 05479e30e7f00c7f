package devfleet

import (
	"os"
	"strings"
	"testing"

	"k8s.io/client-go/tools/clientcmd"
)

func TestHubAuthFiles(t *testing.T) {
	dir := t.TempDir()
	hub := newCluster("hub", RoleHub, dir, dir+"/hub.kubeconfig")
	hub.ConsolePort, hub.AuditIngestPort = 20004, 20005
	if err := os.MkdirAll(dir+"/pki", 0o700); err != nil {
		t.Fatal(err)
	}
	if err := writeHubAuth(hub); err != nil {
		t.Fatal(err)
	}
	f := &Fleet{Hub: hub}
	tokens, err := f.Tokens()
	if err != nil {
		t.Fatal(err)
	}
	if len(tokens.Admin) < 32 || tokens.Admin == tokens.Viewer || tokens.Viewer == tokens.AuditIngest {
		t.Errorf("tokens not distinct and long: %+v", tokens)
	}
	if st, err := os.Stat(tokensFile(hub)); err != nil || st.Mode().Perm() != 0o600 {
		t.Errorf("the token file must be private: %v %v", st.Mode(), err)
	}
	cfg, err := clientcmd.LoadFromFile(auditWebhookFile(hub))
	if err != nil {
		t.Fatal(err)
	}
	ctx := cfg.Contexts[cfg.CurrentContext]
	if got := cfg.Clusters[ctx.Cluster].Server; got != "https://127.0.0.1:20005"+AuditIngestPath || cfg.Clusters[ctx.Cluster].CertificateAuthority != hub.pki("ca.crt") {
		t.Errorf("the audit webhook goes to %s", got)
	}
	if cfg.AuthInfos[ctx.AuthInfo].Token != tokens.AuditIngest {
		t.Error("the audit webhook does not send the ingest token")
	}
	policy, err := os.ReadFile(auditPolicyFile(hub))
	if err != nil || !strings.Contains(string(policy), "level: Metadata") || strings.Contains(string(policy), "RequestResponse") {
		t.Errorf("the audit policy must record changes at Metadata level only: %s", policy)
	}
	if got := f.ConsoleURL(); got != "http://127.0.0.1:20004/" {
		t.Errorf("console URL %s", got)
	}
}
