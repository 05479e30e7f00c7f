// Package options holds the flags every flotilla command shares (kubeconfig, context,
// namespace, output) and the clients built from them.
package options

import (
	"fmt"
	"io"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"flotilla.dev/flotilla/internal/platform/scheme"
)

// Global are the flags shared by every command, in kubectl's spelling.
type Global struct {
	Kubeconfig    string
	Context       string
	Namespace     string
	AllNamespaces bool

	Out    io.Writer
	ErrOut io.Writer
}

// NewGlobal returns options that write to out and errOut.
func NewGlobal(out, errOut io.Writer) *Global {
	return &Global{Out: out, ErrOut: errOut}
}

// AddFlags registers the shared flags.
func (g *Global) AddFlags(fs *pflag.FlagSet) {
	fs.StringVar(&g.Kubeconfig, "kubeconfig", "", "path to the hub's kubeconfig (default: $KUBECONFIG, then ~/.kube/config)")
	fs.StringVar(&g.Context, "context", "", "kubeconfig context of the hub to use")
	fs.StringVarP(&g.Namespace, "namespace", "n", "", "namespace (default: the context's namespace, then \"default\")")
	fs.BoolVarP(&g.AllNamespaces, "all-namespaces", "A", false, "list across all namespaces")
}

func (g *Global) loader() clientcmd.ClientConfig {
	rules := clientcmd.NewDefaultClientConfigLoadingRules()
	if g.Kubeconfig != "" {
		rules.ExplicitPath = g.Kubeconfig
	}
	return clientcmd.NewNonInteractiveDeferredLoadingClientConfig(rules, &clientcmd.ConfigOverrides{CurrentContext: g.Context})
}

// RESTConfig returns the hub's REST config from the flags. It never switches the user's context.
func (g *Global) RESTConfig() (*rest.Config, error) {
	cfg, err := g.loader().ClientConfig()
	if err != nil {
		return nil, fmt.Errorf("loading the hub kubeconfig: %w (set --kubeconfig or KUBECONFIG; 'flotilla dev up' prints one)", err)
	}
	return cfg, nil
}

// Client returns a client for the hub that knows Flotilla's types.
func (g *Global) Client() (client.Client, error) {
	cfg, err := g.RESTConfig()
	if err != nil {
		return nil, err
	}
	return client.New(cfg, client.Options{Scheme: scheme.Scheme})
}

// WatchClient is Client that can also watch (for commands that follow an object as it changes).
func (g *Global) WatchClient() (client.WithWatch, error) {
	cfg, err := g.RESTConfig()
	if err != nil {
		return nil, err
	}
	return client.NewWithWatch(cfg, client.Options{Scheme: scheme.Scheme})
}

// EffectiveNamespace is --namespace, else the kubeconfig context's namespace, else "default".
func (g *Global) EffectiveNamespace() (string, error) {
	if g.Namespace != "" {
		return g.Namespace, nil
	}
	ns, _, err := g.loader().Namespace()
	if err != nil {
		return "", fmt.Errorf("reading the namespace from the kubeconfig: %w", err)
	}
	return ns, nil
}

// ClientInNamespace is Client and EffectiveNamespace, for a command that acts in one namespace.
func (g *Global) ClientInNamespace() (client.Client, string, error) {
	c, err := g.Client()
	if err != nil {
		return nil, "", err
	}
	ns, err := g.EffectiveNamespace()
	return c, ns, err
}

// KubeconfigUser is the user entry of the kubeconfig context in use (--context, else the
// current one), or "" when the kubeconfig cannot be read or names none. It is a name in the
// kubeconfig, not an identity the hub has checked.
func (g *Global) KubeconfigUser() string {
	raw, err := g.loader().RawConfig()
	if err != nil {
		return ""
	}
	name := g.Context
	if name == "" {
		name = raw.CurrentContext
	}
	if c := raw.Contexts[name]; c != nil {
		return c.AuthInfo
	}
	return ""
}

// OneName accepts exactly one argument, a name of what (e.g. "Application"), and otherwise
// returns a UsageError, so that the process exits 2.
func OneName(what string) cobra.PositionalArgs {
	return names(1, "one "+what+" name")
}

// AtMostOneName accepts no argument or one, a name of what (e.g. "autoscaler"), and otherwise
// returns a UsageError, so that the process exits 2.
func AtMostOneName(what string) cobra.PositionalArgs {
	return names(0, "at most one "+what+" name")
}

func names(minN int, want string) cobra.PositionalArgs {
	return func(_ *cobra.Command, args []string) error {
		if len(args) < minN || len(args) > 1 {
			return &UsageError{Err: fmt.Errorf("expected %s, got %d arguments", want, len(args))}
		}
		return nil
	}
}

// UsageError is a mistake in the command line; the process exits with code 2.
type UsageError struct{ Err error }

func (e *UsageError) Error() string { return e.Err.Error() }
func (e *UsageError) Unwrap() error { return e.Err }
