package devfleet

import (
	"fmt"

	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
)

// contextName is the kubeconfig context of a cluster: "flotilla-hub" or the member's name.
func contextName(c Cluster) string {
	if c.Role == RoleHub {
		return "flotilla-hub"
	}
	return c.Name
}

// kubeconfig returns a self-contained kubeconfig (credentials inline, so it can be copied into
// a Secret) for user at the cluster's API server.
func kubeconfig(c Cluster, server string, ca []byte, user string, client keyPair) *clientcmdapi.Config {
	name := contextName(c)
	cfg := clientcmdapi.NewConfig()
	cfg.Clusters[name] = &clientcmdapi.Cluster{Server: server, CertificateAuthorityData: ca}
	cfg.AuthInfos[user] = &clientcmdapi.AuthInfo{ClientCertificateData: client.cert, ClientKeyData: client.key}
	cfg.Contexts[name] = &clientcmdapi.Context{Cluster: name, AuthInfo: user}
	cfg.CurrentContext = name
	return cfg
}

// writeKubeconfigs writes the admin kubeconfig and one per component that talks to the API
// server.
func writeKubeconfigs(c Cluster, ca keyPair, clients map[string]keyPair) error {
	api, ok := c.Component(ComponentAPIServer)
	if !ok {
		return fmt.Errorf("cluster %s has no API server", c.Name)
	}
	server := "https://" + local(api.Port)
	admin := kubeconfig(c, server, ca.cert, "flotilla-admin", clients["admin"])
	if err := clientcmd.WriteToFile(*admin, c.KubeconfigPath); err != nil {
		return fmt.Errorf("writing %s: %w", c.KubeconfigPath, err)
	}
	for _, name := range []string{ComponentControllerManager, ComponentScheduler, ComponentKWOK, ComponentMetricsServer} {
		if _, ok := c.Component(name); !ok {
			continue
		}
		cfg := kubeconfig(c, server, ca.cert, name, clients[name])
		if err := clientcmd.WriteToFile(*cfg, c.componentKubeconfig(name)); err != nil {
			return fmt.Errorf("writing %s: %w", c.componentKubeconfig(name), err)
		}
	}
	return nil
}
