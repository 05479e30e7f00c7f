package controller

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestValidateWebhookFlags(t *testing.T) {
	withPair := t.TempDir()
	for _, name := range []string{"tls.crt", "tls.key"} {
		if err := os.WriteFile(filepath.Join(withPair, name), []byte("x"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		name    string
		port    int
		certDir string
		want    string // substring of the error; empty means valid
	}{
		{name: "off by default"},
		{name: "on with a key pair", port: 9443, certDir: withPair},
		{name: "port out of range", port: 70000, want: "--webhook-port"},
		{name: "port without a cert dir", port: 9443, want: "--webhook-cert-dir is required"},
		{name: "cert dir without the files", port: 9443, certDir: t.TempDir(), want: "tls.crt"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := DefaultOptions()
			o.WebhookPort, o.WebhookCertDir = tt.port, tt.certDir
			err := o.Validate()
			switch {
			case tt.want == "" && err != nil:
				t.Errorf("want valid, got %v", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Errorf("want an error naming %q, got %v", tt.want, err)
			}
		})
	}
}
