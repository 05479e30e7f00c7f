package devfleet

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"time"
)

// certValidity is how long the fleet's certificates are valid.
const certValidity = 365 * 24 * time.Hour

// identity is a client certificate subject.
type identity struct {
	file   string // pki/<file>.crt|.key
	user   string
	groups []string
}

// frontProxyClient is the identity the API server's aggregation layer proxies requests with,
// and the only one an aggregated API server accepts request headers from.
const frontProxyClient = "front-proxy-client"

// kubeletClient is the identity the API server presents to kubelets (--kubelet-client-certificate):
// on a member, to kwok, the kubelet of every simulated node, when it proxies
// /api/v1/nodes/<node>/proxy/... or serves logs. It is in no group: kwok authenticates no client,
// and the certificate grants nothing at the API server.
const kubeletClient = "kube-apiserver-kubelet-client"

// clientIdentities are the client certificates every cluster gets. kwok acts as all of its
// simulated kubelets, so it is an administrator. So is metrics-server: it must read the
// request-header configuration before any RBAC object could be created for it. The hub, which
// has no nodes, gets a kubelet client certificate too but does not use it.
func clientIdentities() []identity {
	return []identity{
		{file: "admin", user: "flotilla-admin", groups: []string{"system:masters"}},
		{file: ComponentControllerManager, user: "system:kube-controller-manager"},
		{file: ComponentScheduler, user: "system:kube-scheduler"},
		{file: ComponentKWOK, user: "kwok", groups: []string{"system:masters"}},
		{file: ComponentMetricsServer, user: "system:metrics-server", groups: []string{"system:masters"}},
		{file: frontProxyClient, user: frontProxyClient},
		{file: kubeletClient, user: kubeletClient},
	}
}

// keyPair is a PEM certificate and key.
type keyPair struct{ cert, key []byte }

type authority struct {
	cert *x509.Certificate
	key  crypto.Signer
	pem  keyPair
}

func newKey() (*ecdsa.PrivateKey, []byte, error) {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, err
	}
	der, err := x509.MarshalECPrivateKey(k)
	if err != nil {
		return nil, nil, err
	}
	return k, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: der}), nil
}

func serial() (*big.Int, error) {
	return rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
}

func newAuthority(name string, now time.Time) (*authority, error) {
	k, keyPEM, err := newKey()
	if err != nil {
		return nil, err
	}
	sn, err := serial()
	if err != nil {
		return nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber: sn, Subject: pkix.Name{CommonName: "flotilla-dev-" + name + "-ca"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(certValidity),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment,
		BasicConstraintsValid: true, IsCA: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, k.Public(), k)
	if err != nil {
		return nil, err
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, err
	}
	return &authority{cert: cert, key: k, pem: keyPair{cert: pemCert(der), key: keyPEM}}, nil
}

func pemCert(der []byte) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
}

// issue signs a serving certificate (for 127.0.0.1, localhost, the in-cluster names of the API
// server and of metrics-server, and extraIPs) when serving is set, else a client certificate
// for user in groups.
func (a *authority) issue(user string, groups []string, serving bool, now time.Time, extraIPs ...net.IP) (keyPair, error) {
	k, keyPEM, err := newKey()
	if err != nil {
		return keyPair{}, err
	}
	sn, err := serial()
	if err != nil {
		return keyPair{}, err
	}
	tmpl := &x509.Certificate{
		SerialNumber: sn, Subject: pkix.Name{CommonName: user, Organization: groups},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(certValidity),
		KeyUsage:    x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	}
	if serving {
		tmpl.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}
		tmpl.IPAddresses = append([]net.IP{net.ParseIP("127.0.0.1"), net.ParseIP("10.96.0.1")}, extraIPs...)
		tmpl.DNSNames = []string{"localhost", "kubernetes", "kubernetes.default", "kubernetes.default.svc", "kubernetes.default.svc.cluster.local",
			metricsServiceHost}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, a.cert, k.Public(), a.key)
	if err != nil {
		return keyPair{}, err
	}
	return keyPair{cert: pemCert(der), key: keyPEM}, nil
}

// writePKI creates the cluster's certificate authority, serving certificate, client
// certificates and service-account key pair under <dir>/pki, and returns the client pairs by
// identity file name (for the kubeconfigs).
func writePKI(c Cluster, now time.Time) (ca keyPair, clients map[string]keyPair, err error) {
	dir := filepath.Join(c.Dir, "pki")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return keyPair{}, nil, err
	}
	a, err := newAuthority(c.Name, now)
	if err != nil {
		return keyPair{}, nil, fmt.Errorf("creating the %s certificate authority: %w", c.Name, err)
	}
	files := map[string]keyPair{"ca": a.pem}
	var nodeIPs []net.IP
	if ip := net.ParseIP(c.NodeAddress); ip != nil {
		nodeIPs = append(nodeIPs, ip) // kwok serves the node proxy there
	}
	if files["serving"], err = a.issue("flotilla-dev-"+c.Name, nil, true, now, nodeIPs...); err != nil {
		return keyPair{}, nil, err
	}
	clients = map[string]keyPair{}
	for _, id := range clientIdentities() {
		if clients[id.file], err = a.issue(id.user, id.groups, false, now); err != nil {
			return keyPair{}, nil, err
		}
		files[id.file] = clients[id.file]
	}
	for name, kp := range files {
		if err := writePair(dir, name, kp); err != nil {
			return keyPair{}, nil, err
		}
	}
	return a.pem, clients, writeServiceAccountKeys(dir)
}

func writePair(dir, name string, kp keyPair) error {
	if err := os.WriteFile(filepath.Join(dir, name+".crt"), kp.cert, 0o644); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, name+".key"), kp.key, 0o600)
}

func writeServiceAccountKeys(dir string) error {
	k, keyPEM, err := newKey()
	if err != nil {
		return err
	}
	pub, err := x509.MarshalPKIXPublicKey(k.Public())
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "sa.key"), keyPEM, 0o600); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "sa.pub"), pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pub}), 0o644)
}
