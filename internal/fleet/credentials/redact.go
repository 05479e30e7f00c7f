package credentials

import (
	"encoding/base64"
	"strings"

	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
)

// Redacted replaces credential material in redacted text.
const Redacted = "[REDACTED]"

// Redactor replaces the secret parts of one credential (tokens, passwords, client keys) in text.
// The zero value redacts nothing.
type Redactor struct {
	secrets []string
}

// RedactorFor collects the secret values of every user in cfg.
func RedactorFor(cfg *clientcmdapi.Config) Redactor {
	var r Redactor
	for _, u := range cfg.AuthInfos {
		if u == nil {
			continue
		}
		r.add(u.Token)
		r.add(u.Password)
		r.add(string(u.ClientKeyData))
		for _, line := range strings.Split(string(u.ClientKeyData), "\n") {
			if !strings.HasPrefix(line, "-----") {
				r.add(line)
			}
		}
	}
	return r
}

// add remembers a secret value, as is, trimmed, and base64-encoded (as kubeconfigs hold it).
func (r *Redactor) add(s string) {
	trimmed := strings.TrimSpace(s)
	if len(trimmed) < 8 {
		return
	}
	r.secrets = append(r.secrets, base64.StdEncoding.EncodeToString([]byte(s)),
		base64.StdEncoding.EncodeToString([]byte(trimmed)), trimmed)
}

// Redact returns s with every secret value replaced by Redacted.
func (r Redactor) Redact(s string) string {
	for _, secret := range r.secrets {
		if strings.Contains(s, secret) {
			s = strings.ReplaceAll(s, secret, Redacted)
		}
	}
	return s
}

// RedactError returns err with credential material replaced in its message. The result still
// matches errors.Is and errors.As on err's chain.
func (r Redactor) RedactError(err error) error {
	if err == nil {
		return nil
	}
	msg := r.Redact(err.Error())
	if msg == err.Error() {
		return err
	}
	return &redactedError{msg: msg, err: err}
}

// redactedError shows a redacted message over the original chain.
type redactedError struct {
	msg string
	err error
}

func (e *redactedError) Error() string { return e.msg }
func (e *redactedError) Unwrap() error { return e.err }
