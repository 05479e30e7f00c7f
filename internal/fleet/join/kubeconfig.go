package join

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
)

// Errors of Join and Unjoin that are about the input. Test with errors.Is.
var (
	// ErrInvalidName: the cluster name is not a DNS label.
	ErrInvalidName = errors.New("invalid cluster name")
	// ErrContextNotFound: the kubeconfig has no such context (or no current-context).
	ErrContextNotFound = errors.New("kubeconfig context not found")
	// ErrKubeconfig: the kubeconfig cannot be read or does not hold a storable credential.
	ErrKubeconfig = errors.New("unusable kubeconfig")
)

// ValidateName checks that name can name a MemberCluster: a DNS label (RFC 1123), which is also
// what makes it usable in label values and Secret names.
func ValidateName(name string) error {
	if errs := validation.IsDNS1123Label(name); len(errs) > 0 {
		return fmt.Errorf("%w %q: %s (example: eu-west-1)", ErrInvalidName, name, strings.Join(errs, "; "))
	}
	return nil
}

// Kubeconfig reads the kubeconfig at path (or the bytes in data when path is empty) and returns
// it reduced to one context — contextName, or the current-context when empty — with every
// file it refers to inlined, serialized for storage. Credentials from exec or auth-provider
// plugins are refused: they cannot be stored in the hub.
func Kubeconfig(path string, data []byte, contextName string) ([]byte, error) {
	raw, err := loadKubeconfig(path, data)
	if err != nil {
		return nil, err
	}
	if contextName == "" {
		contextName = raw.CurrentContext
	}
	if contextName == "" {
		return nil, fmt.Errorf("%w: the kubeconfig has no current-context; pass --context (one of: %s)", ErrContextNotFound, contextNames(raw))
	}
	kctx := raw.Contexts[contextName]
	if kctx == nil {
		return nil, fmt.Errorf("%w: the kubeconfig has no context %q; pass --context with one of: %s", ErrContextNotFound, contextName, contextNames(raw))
	}
	if err := storable(raw, contextName, kctx); err != nil {
		return nil, err
	}
	raw.CurrentContext = contextName
	if err := clientcmdapi.MinifyConfig(raw); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrKubeconfig, err)
	}
	if err := clientcmdapi.FlattenConfig(raw); err != nil {
		return nil, fmt.Errorf("%w: inlining the files the context refers to: %w", ErrKubeconfig, err)
	}
	out, err := clientcmd.Write(*raw)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrKubeconfig, err)
	}
	return out, nil
}

func loadKubeconfig(path string, data []byte) (*clientcmdapi.Config, error) {
	if path == "" && len(data) == 0 {
		return nil, fmt.Errorf("%w: no kubeconfig given; pass --kubeconfig FILE of the cluster to join", ErrKubeconfig)
	}
	var (
		raw *clientcmdapi.Config
		err error
	)
	if path != "" {
		raw, err = clientcmd.LoadFromFile(path)
	} else {
		raw, err = clientcmd.Load(data)
	}
	if err != nil {
		// The loader's errors name the file and the YAML position, never its secrets.
		return nil, fmt.Errorf("%w: reading %s: %v", ErrKubeconfig, describe(path), firstLine(err.Error()))
	}
	return raw, nil
}

// storable refuses contexts whose cluster or user is missing or whose credential is a plugin.
func storable(raw *clientcmdapi.Config, name string, kctx *clientcmdapi.Context) error {
	if raw.Clusters[kctx.Cluster] == nil {
		return fmt.Errorf("%w: context %q refers to cluster %q, which is not in the kubeconfig", ErrKubeconfig, name, kctx.Cluster)
	}
	user := raw.AuthInfos[kctx.AuthInfo]
	if user == nil {
		return fmt.Errorf("%w: context %q refers to user %q, which is not in the kubeconfig", ErrKubeconfig, name, kctx.AuthInfo)
	}
	if user.Exec != nil || user.AuthProvider != nil {
		return fmt.Errorf("%w: user %q of context %q gets its credential from a plugin (users[].user.exec or auth-provider), which the hub cannot run; use a ServiceAccount token or a client certificate", ErrKubeconfig, kctx.AuthInfo, name)
	}
	return nil
}

func contextNames(raw *clientcmdapi.Config) string {
	names := make([]string, 0, len(raw.Contexts))
	for n := range raw.Contexts {
		names = append(names, n)
	}
	slices.Sort(names)
	if len(names) == 0 {
		return "(none)"
	}
	return strings.Join(names, ", ")
}

func describe(path string) string {
	if path == "" {
		return "the kubeconfig"
	}
	return path
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}
