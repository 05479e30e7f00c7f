package devfleet

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	"k8s.io/utils/clock"
)

// Roles of a cluster in the fleet.
const (
	RoleHub    = "hub"
	RoleMember = "member"
)

// Names of the components (processes) of a cluster.
const (
	ComponentEtcd              = "etcd"
	ComponentAPIServer         = "kube-apiserver"
	ComponentControllerManager = "kube-controller-manager"
	ComponentScheduler         = "kube-scheduler"
	ComponentKWOK              = "kwok"
	ComponentMetricsServer     = "metrics-server"
)

// StateFile is the name of the state file in a fleet's home folder.
const StateFile = "fleet.json"

// ErrNoFleet means a home folder holds no fleet.
var ErrNoFleet = errors.New("no local fleet")

// Fleet is a running (or stopped) local fleet.
type Fleet struct {
	// Home is the fleet's folder.
	Home string `json:"home"`
	// Hub is the hub cluster: it holds Flotilla's CRDs and has no nodes.
	Hub Cluster `json:"hub"`
	// Members are the member clusters, member-1..N.
	Members []Cluster `json:"members"`
	// BinariesDir holds the binaries the processes run.
	BinariesDir string `json:"binariesDir"`
	// CreatedAt is when the fleet was first started.
	CreatedAt time.Time `json:"createdAt"`

	procs         *procTable
	clock         clock.WithTicker
	out           *lineWriter
	dieWithParent bool
}

// Cluster is one Kubernetes control plane of the fleet.
type Cluster struct {
	Name string `json:"name"`
	Role string `json:"role"`
	// KubeconfigPath is the cluster's admin kubeconfig, with the credentials inline.
	KubeconfigPath string `json:"kubeconfig"`
	// Region and Zone of a member; its nodes carry topology.kubernetes.io labels to match.
	Region string `json:"region,omitempty"`
	Zone   string `json:"zone,omitempty"`
	// Dir is the cluster's state folder; CAPath its certificate authority.
	Dir    string `json:"dir"`
	CAPath string `json:"caPath"`
	// Components in start order.
	Components []Component `json:"components"`
	// Nodes simulated on a member.
	Nodes []NodeSpec `json:"nodes,omitempty"`
	// NodeAddress is, on a member, the address of this machine its simulated nodes have as
	// InternalIP: the API server's node proxy (/api/v1/nodes/<node>/proxy/...) refuses
	// loopback addresses, so kwok, every node's kubelet, also listens there. Empty when the
	// machine had no such address when the fleet was created: the node proxy then fails.
	NodeAddress string `json:"nodeAddress,omitempty"`
	// ConsolePort is, on the hub, the port on 127.0.0.1 where `dev up` serves the console (in
	// the controller); the hub API server sends its audit events to it.
	ConsolePort int `json:"consolePort,omitempty"`
	// AuditIngestPort is, on the hub, the TLS port on 127.0.0.1 where the console takes the hub
	// API server's audit events (AuditIngestPath).
	AuditIngestPort int `json:"auditIngestPort,omitempty"`
}

// Component is one process of a cluster and everything needed to start it again.
type Component struct {
	Name   string   `json:"name"`
	Binary string   `json:"binary"`
	Args   []string `json:"args"`
	// Port is the main port (the one the health URL uses); Ports every port it listens on.
	Port      int    `json:"port"`
	Ports     []int  `json:"ports"`
	HealthURL string `json:"healthURL"`
	LogPath   string `json:"logPath"`
	PIDPath   string `json:"pidPath"`
}

// NodeSpec is a simulated node of a member.
type NodeSpec struct {
	Name   string `json:"name"`
	Zone   string `json:"zone"`
	CPU    string `json:"cpu"`
	Memory string `json:"memory"`
	Pods   string `json:"pods"`
}

// RESTConfig returns an admin client configuration for the cluster.
func (c Cluster) RESTConfig() (*rest.Config, error) {
	cfg, err := clientcmd.BuildConfigFromFlags("", c.KubeconfigPath)
	if err != nil {
		return nil, fmt.Errorf("loading the kubeconfig of %s from %s: %w", c.Name, c.KubeconfigPath, err)
	}
	cfg.QPS, cfg.Burst = 200, 400
	return cfg, nil
}

// Component returns the named component of c.
func (c Cluster) Component(name string) (Component, bool) {
	for _, comp := range c.Components {
		if comp.Name == name {
			return comp, true
		}
	}
	return Component{}, false
}

// Clusters returns the hub followed by the members.
func (f *Fleet) Clusters() []Cluster {
	return append([]Cluster{f.Hub}, f.Members...)
}

// Cluster returns the cluster with the given name ("hub" or a member's name).
func (f *Fleet) Cluster(name string) (Cluster, error) {
	for _, c := range f.Clusters() {
		if c.Name == name {
			return c, nil
		}
	}
	return Cluster{}, fmt.Errorf("the fleet in %s has no cluster %q (it has hub and member-1..%d)", f.Home, name, len(f.Members))
}

// Load reads the fleet whose state is in home. It does not check that its processes run.
func Load(home string) (*Fleet, error) {
	raw, err := os.ReadFile(filepath.Join(home, StateFile))
	if errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("%w in %s (start one with 'flotilla dev up')", ErrNoFleet, home)
	}
	if err != nil {
		return nil, err
	}
	f := &Fleet{}
	if err := json.Unmarshal(raw, f); err != nil {
		return nil, fmt.Errorf("reading %s: %w (remove the folder or run 'flotilla dev down')", filepath.Join(home, StateFile), err)
	}
	f.init(clock.RealClock{}, nil, false)
	return f, nil
}

// save writes the state file atomically.
func (f *Fleet) save() error {
	raw, err := json.MarshalIndent(f, "", "  ")
	if err != nil {
		return err
	}
	tmp := filepath.Join(f.Home, StateFile+".tmp")
	if err := os.WriteFile(tmp, raw, 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, filepath.Join(f.Home, StateFile))
}

// init sets what is not saved in the state file.
func (f *Fleet) init(c clock.WithTicker, out io.Writer, dieWithParent bool) {
	f.procs = newProcTable()
	f.clock = c
	f.out = newLineWriter(out)
	f.dieWithParent = dieWithParent
}
