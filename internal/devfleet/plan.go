package devfleet

import (
	"fmt"
	"path/filepath"
	"strconv"
)

// Regions members rotate through.
func regions() []string { return []string{"us-east", "eu-west", "ap-south"} }

// nodeProfile is the simulated capacity of member i (0-based): members differ so that
// capacity-aware scheduling has something to weigh.
type nodeProfile struct {
	count            int
	cpu, memory, pod string
}

func nodeProfiles() []nodeProfile {
	return []nodeProfile{
		{count: 3, cpu: "8", memory: "32Gi", pod: "110"},
		{count: 2, cpu: "4", memory: "16Gi", pod: "110"},
		{count: 4, cpu: "16", memory: "64Gi", pod: "110"},
		{count: 2, cpu: "32", memory: "128Gi", pod: "250"},
		{count: 5, cpu: "2", memory: "8Gi", pod: "60"},
	}
}

// memberTopology returns the name, region and zone of member i (0-based): member-1 in
// us-east-a, member-2 in eu-west-a, member-3 in ap-south-a, member-4 in us-east-b...
func memberTopology(i int) (name, region, zone string) {
	rs := regions()
	region = rs[i%len(rs)]
	zone = fmt.Sprintf("%s-%c", region, 'a'+rune((i/len(rs))%26))
	return fmt.Sprintf("member-%d", i+1), region, zone
}

// memberNodes returns the simulated nodes of member i.
func memberNodes(i int, name, zone string) []NodeSpec {
	ps := nodeProfiles()
	p := ps[i%len(ps)]
	nodes := make([]NodeSpec, p.count)
	for n := range nodes {
		nodes[n] = NodeSpec{Name: fmt.Sprintf("%s-node-%d", name, n+1), Zone: zone, CPU: p.cpu, Memory: p.memory, Pods: p.pod}
	}
	return nodes
}

// clusterPorts are the ports a cluster's processes listen on.
type clusterPorts struct {
	EtcdClient, EtcdPeer, APIServer, ControllerManager, Scheduler, KWOK, MetricsServer int
	// Console is, on the hub, where the controller serves the console; AuditIngest where it
	// takes the hub API server's audit events (over TLS: the API server's webhook sends its
	// token only over TLS).
	Console, AuditIngest int
}

const (
	hubPortCount    = 6
	memberPortCount = 7
)

// portsNeeded is how many free ports a fleet of n members needs.
func portsNeeded(members int) int { return hubPortCount + members*memberPortCount }

// plan lays out a new fleet: names, topology, folders, ports (taken in order from ports, which
// must hold portsNeeded(members) distinct free ports) and every component's command line.
// nodeAddress is the members' NodeAddress (see hostAddress).
func plan(home, binDir string, members int, ports []int, nodeAddress string) (*Fleet, error) {
	if err := validateMembers(members); err != nil {
		return nil, err
	}
	if len(ports) != portsNeeded(members) {
		return nil, fmt.Errorf("plan needs %d ports, got %d", portsNeeded(members), len(ports))
	}
	f := &Fleet{Home: home, BinariesDir: binDir}
	hp := clusterPorts{EtcdClient: ports[0], EtcdPeer: ports[1], APIServer: ports[2], ControllerManager: ports[3], Console: ports[4], AuditIngest: ports[5]}
	f.Hub = newCluster("hub", RoleHub, filepath.Join(home, "hub"), filepath.Join(home, "hub.kubeconfig"))
	f.Hub.ConsolePort, f.Hub.AuditIngestPort = hp.Console, hp.AuditIngest
	f.Hub.Components = components(f.Hub, binDir, hp, 0)
	for i := range members {
		p := ports[hubPortCount+i*memberPortCount:]
		mp := clusterPorts{EtcdClient: p[0], EtcdPeer: p[1], APIServer: p[2], ControllerManager: p[3], Scheduler: p[4], KWOK: p[5], MetricsServer: p[6]}
		name, region, zone := memberTopology(i)
		dir := filepath.Join(home, "members", name)
		c := newCluster(name, RoleMember, dir, filepath.Join(dir, "kubeconfig"))
		c.Region, c.Zone = region, zone
		c.Nodes = memberNodes(i, name, zone)
		c.NodeAddress = nodeAddress
		c.Components = components(c, binDir, mp, i+1)
		f.Members = append(f.Members, c)
	}
	return f, nil
}

func newCluster(name, role, dir, kubeconfig string) Cluster {
	return Cluster{Name: name, Role: role, Dir: dir, KubeconfigPath: kubeconfig, CAPath: filepath.Join(dir, "pki", "ca.crt")}
}

// components returns the processes of c in start order. index numbers the cluster in the fleet
// (0 for the hub) to give each member its own pod CIDR.
func components(c Cluster, binDir string, p clusterPorts, index int) []Component {
	comp := func(name string, port int, ports []int, health string, args []string) Component {
		return Component{
			Name: name, Binary: filepath.Join(binDir, name), Args: args, Port: port, Ports: ports,
			HealthURL: health,
			LogPath:   filepath.Join(c.Dir, "logs", name+".log"),
			PIDPath:   filepath.Join(c.Dir, "run", name+".pid"),
		}
	}
	out := []Component{
		comp(ComponentEtcd, p.EtcdClient, []int{p.EtcdClient, p.EtcdPeer}, url("http", p.EtcdClient, "/health"), etcdArgs(c, p)),
		comp(ComponentAPIServer, p.APIServer, []int{p.APIServer}, url("https", p.APIServer, "/readyz"), apiServerArgs(c, p)),
		comp(ComponentControllerManager, p.ControllerManager, []int{p.ControllerManager}, url("https", p.ControllerManager, "/healthz"), controllerManagerArgs(c, p)),
	}
	if c.Role == RoleHub {
		return out
	}
	return append(out,
		comp(ComponentScheduler, p.Scheduler, []int{p.Scheduler}, url("https", p.Scheduler, "/healthz"), schedulerArgs(c, p)),
		comp(ComponentKWOK, p.KWOK, []int{p.KWOK}, url("http", p.KWOK, "/healthz"), kwokArgs(c, p, index)),
		// /livez, not /readyz: metrics-server is ready only once it has scraped every node.
		comp(ComponentMetricsServer, p.MetricsServer, []int{p.MetricsServer}, url("https", p.MetricsServer, "/livez"), metricsServerArgs(c, p)),
	)
}

func url(scheme string, port int, path string) string {
	return scheme + "://127.0.0.1:" + strconv.Itoa(port) + path
}

func local(port int) string { return "127.0.0.1:" + strconv.Itoa(port) }

func (c Cluster) pki(name string) string { return filepath.Join(c.Dir, "pki", name) }

func (c Cluster) componentKubeconfig(name string) string {
	return filepath.Join(c.Dir, name+".kubeconfig")
}

func etcdArgs(c Cluster, p clusterPorts) []string {
	client, peer := "http://"+local(p.EtcdClient), "http://"+local(p.EtcdPeer)
	return []string{
		"--name=" + c.Name,
		"--data-dir=" + filepath.Join(c.Dir, "etcd"),
		"--listen-client-urls=" + client, "--advertise-client-urls=" + client,
		"--listen-peer-urls=" + peer, "--initial-advertise-peer-urls=" + peer,
		"--initial-cluster=" + c.Name + "=" + peer, "--initial-cluster-state=new",
		"--unsafe-no-fsync=true", "--log-level=warn",
	}
}

func apiServerArgs(c Cluster, p clusterPorts) []string {
	args := []string{
		"--etcd-servers=http://" + local(p.EtcdClient),
		"--bind-address=127.0.0.1", "--advertise-address=127.0.0.1",
		"--secure-port=" + strconv.Itoa(p.APIServer),
		"--cert-dir=" + filepath.Join(c.Dir, "pki"),
		"--tls-cert-file=" + c.pki("serving.crt"), "--tls-private-key-file=" + c.pki("serving.key"),
		"--client-ca-file=" + c.pki("ca.crt"),
		"--service-account-issuer=https://kubernetes.default.svc.cluster.local",
		"--service-account-key-file=" + c.pki("sa.pub"), "--service-account-signing-key-file=" + c.pki("sa.key"),
		"--service-cluster-ip-range=10.96.0.0/16",
		"--authorization-mode=RBAC",
		"--endpoint-reconciler-type=none",
		"--requestheader-client-ca-file=" + c.pki("ca.crt"),
		"--requestheader-allowed-names=" + frontProxyClient,
		"--requestheader-username-headers=X-Remote-User",
		"--requestheader-group-headers=X-Remote-Group",
		"--requestheader-extra-headers-prefix=X-Remote-Extra-",
		// The aggregation layer (the metrics API is an APIService) proxies with this identity.
		"--proxy-client-cert-file=" + c.pki(frontProxyClient+".crt"), "--proxy-client-key-file=" + c.pki(frontProxyClient+".key"),
		"--allow-privileged=true",
		"--profiling=false",
	}
	if c.Role == RoleHub {
		return append(args, hubAuthArgs(c)...)
	}
	if c.Role != RoleMember {
		return args
	}
	// The node proxy (/api/v1/nodes/<node>/proxy/<path>, how clients read a kubelet's metrics
	// through the API server) reaches kwok, every simulated node's kubelet, at the node's
	// InternalIP (the member's NodeAddress: it refuses the InternalDNS address localhost that
	// metrics-server uses, as any loopback address) and the port in its daemonEndpoints,
	// verifying kwok's certificate (the serving one, valid for NodeAddress) with the cluster CA.
	return append(args,
		"--kubelet-preferred-address-types=InternalIP,InternalDNS,Hostname",
		"--kubelet-certificate-authority="+c.pki("ca.crt"),
		"--kubelet-client-certificate="+c.pki(kubeletClient+".crt"), "--kubelet-client-key="+c.pki(kubeletClient+".key"),
	)
}

// hubControllers are the controllers a hub needs: it runs no workloads, only Flotilla's objects.
const hubControllers = "garbagecollector,namespace,serviceaccount,serviceaccount-token"

// clientServerArgs are the arguments of a component that is a client of the API server and
// serves TLS on loopback: its kubeconfig for everything, its port, the cluster's serving
// certificate.
func clientServerArgs(c Cluster, component string, port int) []string {
	kc := c.componentKubeconfig(component)
	return []string{
		"--kubeconfig=" + kc, "--authentication-kubeconfig=" + kc, "--authorization-kubeconfig=" + kc,
		"--bind-address=127.0.0.1", "--secure-port=" + strconv.Itoa(port),
		"--tls-cert-file=" + c.pki("serving.crt"), "--tls-private-key-file=" + c.pki("serving.key"),
	}
}

func controllerManagerArgs(c Cluster, p clusterPorts) []string {
	controllers := "*"
	if c.Role == RoleHub {
		controllers = hubControllers
	}
	return append(clientServerArgs(c, ComponentControllerManager, p.ControllerManager),
		"--leader-elect=false",
		"--use-service-account-credentials=true",
		"--controllers="+controllers,
		"--cluster-name="+c.Name,
		"--service-account-private-key-file="+c.pki("sa.key"),
		"--root-ca-file="+c.pki("ca.crt"),
		"--cluster-signing-cert-file="+c.pki("ca.crt"), "--cluster-signing-key-file="+c.pki("ca.key"),
		"--kube-api-qps=200", "--kube-api-burst=400",
		"--profiling=false",
	)
}

func schedulerArgs(c Cluster, p clusterPorts) []string {
	return append(clientServerArgs(c, ComponentScheduler, p.Scheduler),
		"--leader-elect=false",
		"--kube-api-qps=200", "--kube-api-burst=400",
		"--profiling=false",
	)
}

// KWOKNodeAnnotation marks the nodes KWOK simulates.
const KWOKNodeAnnotation = "kwok.x-k8s.io/node"

func kwokArgs(c Cluster, p clusterPorts, index int) []string {
	address, nodeIP := local(p.KWOK), fmt.Sprintf("10.%d.255.254", 100+index%100)
	if c.NodeAddress != "" {
		// The nodes' InternalIP is where the API server's node proxy reaches kwok. kwok listens
		// on every address of the machine rather than on that one alone: metrics-server and the
		// health check keep using 127.0.0.1, and kwok still starts when the machine's address
		// has changed since (only the node proxy fails then). Its debugging and profiling
		// endpoints are off (kwokConfiguration).
		address, nodeIP = ":"+strconv.Itoa(p.KWOK), c.NodeAddress
	}
	return []string{
		"--kubeconfig=" + c.componentKubeconfig(ComponentKWOK),
		"--config=" + filepath.Join(c.Dir, "kwok-stages.yaml"),
		"--manage-nodes-with-annotation-selector=" + KWOKNodeAnnotation + "=fake",
		// Node liveness comes from leases: the heartbeat stage rewrites node status only every
		// ~10 minutes, so without leases the node lifecycle controller marks nodes NotReady.
		"--node-lease-duration-seconds=40",
		"--server-address=" + address,
		// TLS on the same port as plain HTTP: metrics-server scrapes it as a kubelet, verifying it.
		"--tls-cert-file=" + c.pki("serving.crt"), "--tls-private-key-file=" + c.pki("serving.key"),
		fmt.Sprintf("--cidr=10.%d.0.0/16", 100+index%100),
		"--node-ip=" + nodeIP,
		// The nodes' daemonEndpoints.kubeletEndpoint.Port (node-initialize): where the API
		// server's node proxy reaches their kubelet.
		"--node-port=" + strconv.Itoa(p.KWOK),
	}
}

// metricsResolution is how often metrics-server scrapes kwok: 10 s is the least it accepts.
const metricsResolution = "10s"

// metricsServerArgs make metrics-server scrape the member's kwok as every simulated node's
// kubelet: nodes list localhost as their InternalDNS address (the node-initialize stage) and
// carry the path of their metrics (usage.MetricsPathAnnotation); the port is kwok's.
func metricsServerArgs(c Cluster, p clusterPorts) []string {
	return append(clientServerArgs(c, ComponentMetricsServer, p.MetricsServer),
		"--kubelet-preferred-address-types=InternalDNS",
		"--kubelet-port="+strconv.Itoa(p.KWOK),
		"--kubelet-certificate-authority="+c.pki("ca.crt"),
		"--kubelet-request-timeout=5s",
		"--metric-resolution="+metricsResolution,
		// Over HTTP/2 it waits a second for the API server to answer GOAWAY before it exits.
		"--disable-http2-serving",
		"--profiling=false",
	)
}
