// Package credentials turns the kubeconfig Flotilla stores for a member cluster into a REST
// config, names the errors a member can answer with in words an operator can act on, and
// redacts credential material from anything that may be shown (status, events, logs, errors).
package credentials

import (
	"fmt"
	"strings"

	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
)

// SecretKey is the key of the kubeconfig in a member's Secret.
const SecretKey = "kubeconfig"

// SecretName is the name of the Secret in the hub's flotilla-system namespace that holds the
// kubeconfig of the member cluster called cluster.
func SecretName(cluster string) string { return cluster + "-kubeconfig" }

// LabelCluster on a member's Secret names the MemberCluster it belongs to.
const LabelCluster = "flotilla.dev/member-cluster"

// Config is a member's parsed kubeconfig.
type Config struct {
	// REST reaches the member with the stored credential.
	REST *rest.Config
	// Redactor hides the credential's secret parts.
	Redactor Redactor
}

// Parse reads a stored kubeconfig (one context, credentials inlined) into a REST config. The
// error never quotes the kubeconfig.
func Parse(kubeconfig []byte) (*Config, error) {
	raw, err := clientcmd.Load(kubeconfig)
	if err != nil {
		return nil, fmt.Errorf("%w: it does not parse (%s); re-run 'flotilla join' to store a new one", ErrInvalid, errorKind(err))
	}
	return fromAPIConfig(raw)
}

func fromAPIConfig(raw *clientcmdapi.Config) (*Config, error) {
	if raw.CurrentContext == "" || raw.Contexts[raw.CurrentContext] == nil {
		return nil, fmt.Errorf("%w: it has no current-context; re-run 'flotilla join' to store a new one", ErrInvalid)
	}
	cfg, err := clientcmd.NewNonInteractiveClientConfig(*raw, raw.CurrentContext, &clientcmd.ConfigOverrides{}, nil).ClientConfig()
	if err != nil {
		return nil, fmt.Errorf("%w: it is incomplete (%s); re-run 'flotilla join' to store a new one", ErrInvalid, errorKind(err))
	}
	return &Config{REST: cfg, Redactor: RedactorFor(raw)}, nil
}

// errorKind keeps the gist of a kubeconfig error without risking an echo of its content.
func errorKind(err error) string {
	msg := err.Error()
	if i := strings.IndexAny(msg, ":\n"); i > 0 && i < 80 {
		return msg[:i]
	}
	if len(msg) > 80 {
		return "invalid kubeconfig"
	}
	return msg
}
