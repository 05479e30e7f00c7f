package devfleet

import (
	"net"
	"slices"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/api/resource"
)

func seqPorts(n int) []int {
	ports := make([]int, n)
	for i := range ports {
		ports[i] = 20000 + i
	}
	return ports
}

func TestPlanTopology(t *testing.T) {
	f, err := plan("/h", "/bin", 4, seqPorts(portsNeeded(4)), "")
	if err != nil {
		t.Fatal(err)
	}
	want := []struct{ name, region, zone, cpu string }{
		{"member-1", "us-east", "us-east-a", "8"},
		{"member-2", "eu-west", "eu-west-a", "4"},
		{"member-3", "ap-south", "ap-south-a", "16"},
		{"member-4", "us-east", "us-east-b", "32"},
	}
	if len(f.Members) != len(want) {
		t.Fatalf("%d members, want %d", len(f.Members), len(want))
	}
	for i, w := range want {
		m := f.Members[i]
		if m.Name != w.name || m.Region != w.region || m.Zone != w.zone {
			t.Errorf("member %d = %s %s %s, want %s %s %s", i, m.Name, m.Region, m.Zone, w.name, w.region, w.zone)
		}
		if m.KubeconfigPath != "/h/members/"+w.name+"/kubeconfig" {
			t.Errorf("%s kubeconfig at %s", m.Name, m.KubeconfigPath)
		}
		for _, n := range m.Nodes {
			if n.CPU != w.cpu || n.Zone != w.zone || !strings.HasPrefix(n.Name, w.name+"-node-") {
				t.Errorf("%s node %+v, want cpu %s in %s", m.Name, n, w.cpu, w.zone)
			}
		}
	}
	if f.Hub.KubeconfigPath != "/h/hub.kubeconfig" || len(f.Hub.Nodes) != 0 {
		t.Errorf("hub = %+v", f.Hub)
	}
}

func TestPlanCapacitiesDifferAcrossMembers(t *testing.T) {
	f, err := plan("/h", "/bin", 3, seqPorts(portsNeeded(3)), "")
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, m := range f.Members {
		total := resource.MustParse("0")
		for _, n := range m.Nodes {
			total.Add(resource.MustParse(n.CPU))
		}
		if seen[total.String()] {
			t.Errorf("%s has the same total CPU (%s) as another member", m.Name, total.String())
		}
		seen[total.String()] = true
	}
}

func TestPlanComponentsAndPorts(t *testing.T) {
	f, err := plan("/h", "/bin", 2, seqPorts(portsNeeded(2)), "")
	if err != nil {
		t.Fatal(err)
	}
	names := func(c Cluster) []string {
		var out []string
		for _, comp := range c.Components {
			out = append(out, comp.Name)
		}
		return out
	}
	if got := names(f.Hub); !slices.Equal(got, []string{"etcd", "kube-apiserver", "kube-controller-manager"}) {
		t.Errorf("hub components %v", got)
	}
	if got := names(f.Members[0]); !slices.Equal(got, []string{"etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler", "kwok", "metrics-server"}) {
		t.Errorf("member components %v", got)
	}
	used := map[int]string{}
	for _, c := range f.Clusters() {
		for _, comp := range c.Components {
			if !strings.HasPrefix(comp.Binary, "/bin/") || !strings.HasPrefix(comp.LogPath, c.Dir+"/logs/") {
				t.Errorf("%s %s: binary %s log %s", c.Name, comp.Name, comp.Binary, comp.LogPath)
			}
			for _, p := range comp.Ports {
				if other, dup := used[p]; dup {
					t.Errorf("port %d used by %s and %s/%s", p, other, c.Name, comp.Name)
				}
				used[p] = c.Name + "/" + comp.Name
			}
		}
	}
	for _, p := range []int{f.Hub.ConsolePort, f.Hub.AuditIngestPort} {
		if other, dup := used[p]; dup || p == 0 {
			t.Errorf("the console port %d is also used by %s", p, other)
		}
		used[p] = "console"
	}
	if len(used) != portsNeeded(2) {
		t.Errorf("%d ports used, want all %d", len(used), portsNeeded(2))
	}
}

func TestComponentArgs(t *testing.T) {
	f, err := plan("/h", "/bin", 1, seqPorts(portsNeeded(1)), "192.0.2.10")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		cluster, component string
		want               []string
		notWant            []string
	}{
		// The hub knows the console's users by static token and sends its audit events to the
		// console (over TLS, port 20005) as well as to its log.
		{"hub", ComponentAPIServer, []string{"--endpoint-reconciler-type=none", "--requestheader-allowed-names=front-proxy-client", "--bind-address=127.0.0.1", "--etcd-servers=http://127.0.0.1:20000",
			"--token-auth-file=/h/hub/pki/tokens.csv", "--audit-policy-file=/h/hub/audit-policy.yaml", "--audit-log-path=/h/hub/logs/audit.log",
			"--audit-webhook-config-file=/h/hub/audit-webhook.kubeconfig", "--audit-webhook-mode=batch"},
			[]string{"--kubelet-preferred-address-types=InternalIP,InternalDNS,Hostname"}},
		// The node proxy dials kwok at the nodes' InternalIP (it refuses localhost), verifies it
		// with the member's CA and presents the kubelet client certificate.
		{"member-1", ComponentAPIServer, []string{"--requestheader-allowed-names=front-proxy-client",
			"--proxy-client-cert-file=/h/members/member-1/pki/front-proxy-client.crt", "--proxy-client-key-file=/h/members/member-1/pki/front-proxy-client.key",
			"--kubelet-preferred-address-types=InternalIP,InternalDNS,Hostname", "--kubelet-certificate-authority=/h/members/member-1/pki/ca.crt",
			"--kubelet-client-certificate=/h/members/member-1/pki/kube-apiserver-kubelet-client.crt",
			"--kubelet-client-key=/h/members/member-1/pki/kube-apiserver-kubelet-client.key"}, nil},
		{"hub", ComponentControllerManager, []string{"--controllers=" + hubControllers, "--kube-api-qps=200", "--kube-api-burst=400", "--leader-elect=false"}, []string{"--controllers=*"}},
		{"member-1", ComponentControllerManager, []string{"--controllers=*", "--kube-api-qps=200", "--kube-api-burst=400"}, nil},
		{"member-1", ComponentScheduler, []string{"--kube-api-qps=200", "--kube-api-burst=400", "--bind-address=127.0.0.1"}, nil},
		// kwok listens on every address: 127.0.0.1 for metrics-server, the node address for the
		// node proxy, which is the nodes' InternalIP.
		{"member-1", ComponentKWOK, []string{"--manage-nodes-with-annotation-selector=kwok.x-k8s.io/node=fake", "--config=/h/members/member-1/kwok-stages.yaml",
			"--server-address=:20011", "--node-ip=192.0.2.10", "--node-port=20011", "--tls-cert-file=/h/members/member-1/pki/serving.crt"}, []string{"--manage-all-nodes"}},
		// kwok of member-1 listens on 20011: metrics-server scrapes it there, trusting the member's CA.
		{"member-1", ComponentMetricsServer, []string{"--bind-address=127.0.0.1", "--secure-port=20012", "--kubelet-port=20011",
			"--kubelet-preferred-address-types=InternalDNS", "--kubelet-certificate-authority=/h/members/member-1/pki/ca.crt",
			"--metric-resolution=10s", "--kubeconfig=/h/members/member-1/metrics-server.kubeconfig"}, []string{"--kubelet-insecure-tls"}},
		{"member-1", ComponentEtcd, []string{"--data-dir=/h/members/member-1/etcd", "--unsafe-no-fsync=true"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.cluster+"/"+tt.component, func(t *testing.T) {
			_, comp, err := f.component(tt.cluster, tt.component)
			if err != nil {
				t.Fatal(err)
			}
			for _, w := range tt.want {
				if !slices.Contains(comp.Args, w) {
					t.Errorf("missing %s in %v", w, comp.Args)
				}
			}
			for _, nw := range tt.notWant {
				if slices.Contains(comp.Args, nw) {
					t.Errorf("unexpected %s", nw)
				}
			}
		})
	}
}

// TestKWOKOnLoopbackWithoutANodeAddress: on a machine with no address but loopback ones, kwok
// listens on 127.0.0.1 alone and the nodes get a made-up InternalIP.
func TestKWOKOnLoopbackWithoutANodeAddress(t *testing.T) {
	f, err := plan("/h", "/bin", 2, seqPorts(portsNeeded(2)), "")
	if err != nil {
		t.Fatal(err)
	}
	for i, want := range [][]string{{"--server-address=127.0.0.1:20011", "--node-ip=10.101.255.254"}, {"--server-address=127.0.0.1:20018", "--node-ip=10.102.255.254"}} {
		kwok, _ := f.Members[i].Component(ComponentKWOK)
		for _, w := range want {
			if !slices.Contains(kwok.Args, w) {
				t.Errorf("%s: missing %s in %v", f.Members[i].Name, w, kwok.Args)
			}
		}
	}
}

func TestHostAddressIsProxyable(t *testing.T) {
	addr := hostAddress()
	if addr == "" {
		t.Skip("this machine has no address but loopback and link-local ones")
	}
	if ip := net.ParseIP(addr); ip == nil || !ip.IsGlobalUnicast() {
		t.Errorf("hostAddress() = %q, want a global unicast address", addr)
	}
}

func TestPlanRejectsBadMemberCounts(t *testing.T) {
	for _, n := range []int{-1, 0, MaxMembers + 1} {
		_, err := plan("/h", "/bin", n, seqPorts(4), "")
		if err == nil || !strings.Contains(err.Error(), "choose between 1 and 20") {
			t.Errorf("members %d: err = %v", n, err)
		}
		if _, err := (Options{Members: n}).complete(); err == nil {
			t.Errorf("Options{Members: %d} accepted", n)
		}
	}
}

func FuzzPlan(f *testing.F) {
	for _, n := range []int{1, 3, 20, 0, 21, -5} {
		f.Add(n)
	}
	f.Fuzz(func(t *testing.T, members int) {
		if members > 1000 || members < -1000 {
			return
		}
		ports := seqPorts(max(portsNeeded(members), 0))
		fl, err := plan("/h", "/bin", members, ports, "")
		if (err == nil) != (members >= 1 && members <= MaxMembers) {
			t.Fatalf("members %d: err %v", members, err)
		}
		if err != nil {
			return
		}
		names := map[string]bool{}
		for _, m := range fl.Members {
			if names[m.Name] || len(m.Nodes) == 0 || m.Region == "" || m.Zone == "" {
				t.Fatalf("bad member %+v", m)
			}
			names[m.Name] = true
		}
	})
}

func TestComponentControlNamesWhatExists(t *testing.T) {
	f, err := plan("/h", "/bin", 2, seqPorts(portsNeeded(2)), "")
	if err != nil {
		t.Fatal(err)
	}
	f.init(nil, nil, false)
	ctx := t.Context()
	if err := f.StopComponent(ctx, "member-9", ComponentAPIServer); err == nil || !strings.Contains(err.Error(), `no cluster "member-9" (it has hub and member-1..2)`) {
		t.Errorf("unknown cluster: %v", err)
	}
	if err := f.StartComponent(ctx, "hub", ComponentKWOK); err == nil || !strings.Contains(err.Error(), `cluster hub has no component "kwok"`) {
		t.Errorf("unknown component: %v", err)
	}
}
