package devfleet

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"path/filepath"
	"sync"
	"time"

	"flotilla.dev/flotilla/internal/devfleet/binaries"
	"flotilla.dev/flotilla/internal/devfleet/stages"
	"flotilla.dev/flotilla/internal/devfleet/usage"
)

// Up starts the local fleet described by opts, or reuses the one already in opts.Home: a
// healthy fleet is reused as is, a stopped one (after Down with keepData, or a reboot) is
// restarted with its data. It returns once every cluster is healthy, members' nodes are Ready
// and the hub serves Flotilla's CRDs, after running opts.AfterUp.
func Up(ctx context.Context, opts Options) (*Fleet, error) {
	opts, err := opts.complete()
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(opts.Home, 0o750); err != nil {
		return nil, fmt.Errorf("creating the fleet's home folder: %w", err)
	}
	unlock, err := lockHome(ctx, opts.Home, opts.Clock)
	if err != nil {
		return nil, err
	}
	defer unlock()
	f, err := Load(opts.Home)
	switch {
	case err == nil:
		f.init(opts.Clock, opts.Out, opts.StopWithParent)
		err = f.resume(ctx, opts)
	case errors.Is(err, ErrNoFleet):
		f, err = create(ctx, opts)
	}
	if err != nil {
		return nil, err
	}
	if opts.AfterUp != nil {
		if err := opts.AfterUp(ctx, f); err != nil {
			return f, fmt.Errorf("the fleet is up, but its setup failed: %w", err)
		}
	}
	return f, nil
}

// binariesDir returns the folder with the binaries, checking each is there.
func binariesDir(dir string) (string, error) {
	if dir == "" {
		return binaries.DefaultPins.Find()
	}
	for _, name := range binaries.All {
		if _, err := os.Stat(filepath.Join(dir, name)); err != nil {
			return "", fmt.Errorf("%w (%s missing in %s)", binaries.ErrNotBuilt, name, dir)
		}
	}
	return dir, nil
}

func create(ctx context.Context, opts Options) (*Fleet, error) {
	binDir, err := binariesDir(opts.BinariesDir)
	if err != nil {
		return nil, err
	}
	for _, old := range []string{"hub", "members", "hub.kubeconfig"} {
		if err := os.RemoveAll(filepath.Join(opts.Home, old)); err != nil {
			return nil, err
		}
	}
	ports, err := freePorts(portsNeeded(opts.Members))
	if err != nil {
		return nil, err
	}
	f, err := plan(opts.Home, binDir, opts.Members, ports, hostAddress())
	if err != nil {
		return nil, err
	}
	f.init(opts.Clock, opts.Out, opts.StopWithParent)
	start := f.clock.Now()
	f.CreatedAt = start.UTC()
	f.out.printf("starting a new fleet in %s: hub + %d members", f.Home, len(f.Members))
	for _, c := range f.Clusters() {
		if err := prepare(c, start, opts.ExtraStages); err != nil {
			return nil, fmt.Errorf("preparing %s: %w", c.Name, err)
		}
	}
	if err := f.save(); err != nil {
		return nil, err
	}
	if err := f.startAll(ctx); err != nil {
		_ = f.stopAll(context.WithoutCancel(ctx))
		return nil, fmt.Errorf("%w\n(the logs stay in %s; 'flotilla dev down' removes the fleet)", err, f.Home)
	}
	f.out.printf("fleet ready in %s", f.clock.Since(start).Round(100*time.Millisecond))
	return f, nil
}

func (f *Fleet) resume(ctx context.Context, opts Options) error {
	if len(f.Members) != opts.Members {
		return fmt.Errorf("the fleet in %s has %d members, not %d: run 'flotilla dev down' first to change its size", f.Home, len(f.Members), opts.Members)
	}
	if _, err := binariesDir(f.BinariesDir); err != nil {
		return err
	}
	if err := f.Healthy(ctx); err == nil {
		f.out.printf("reusing the healthy fleet in %s (hub + %d members)", f.Home, len(f.Members))
		return nil
	}
	start := f.clock.Now()
	f.out.printf("restarting the stopped parts of the fleet in %s", f.Home)
	if err := f.startAll(ctx); err != nil {
		return err
	}
	f.out.printf("fleet ready in %s", f.clock.Since(start).Round(100*time.Millisecond))
	return nil
}

// prepare writes a new cluster's certificates, kubeconfigs and (members) kwok's configuration:
// the stages, then the simulated resource usage and the metrics served from it.
func prepare(c Cluster, now time.Time, extraStages [][]byte) error {
	for _, d := range []string{"logs", "run", "etcd"} {
		if err := os.MkdirAll(filepath.Join(c.Dir, d), 0o700); err != nil {
			return err
		}
	}
	ca, clients, err := writePKI(c, now)
	if err != nil {
		return err
	}
	if err := writeKubeconfigs(c, ca, clients); err != nil {
		return err
	}
	if c.Role == RoleHub {
		return writeHubAuth(c)
	}
	if c.Role != RoleMember {
		return nil
	}
	kwokConfig := append([]byte(kwokConfiguration), stages.Config(extraStages...)...)
	kwokConfig = append(kwokConfig, usage.Config()...)
	return os.WriteFile(filepath.Join(c.Dir, "kwok-stages.yaml"), kwokConfig, 0o644)
}

// kwokConfiguration turns off kwok's debugging handlers (exec, attach, port forwarding, logs:
// nothing is configured for them) and profiling (/debug/pprof), which would otherwise be open
// to the network when kwok listens on every address of the machine (see kwokArgs). kwok does
// not default the options of a configuration it reads, so the others are kwok's defaults; the
// command line overrides them.
const kwokConfiguration = `---
apiVersion: config.kwok.x-k8s.io/v1alpha1
kind: KwokConfiguration
options:
  enableDebuggingHandlers: false
  enableProfilingHandler: false
  enableContentionProfiling: false
  manageAllNodes: false
  cidr: 10.0.0.0/24
  podPlayStageParallelism: 4
  nodePlayStageParallelism: 4
  nodeLeaseParallelism: 4
  podsOnNodeSyncParallelism: 1
  enablePodsOnNodeSyncListPager: true
  enablePodsOnNodeSyncStreamWatch: false
`

// startAll starts every cluster in parallel and returns when all are ready.
func (f *Fleet) startAll(ctx context.Context) error {
	clusters := f.Clusters()
	errs := make([]error, len(clusters))
	var wg sync.WaitGroup
	for i, c := range clusters {
		wg.Go(func() {
			start := f.clock.Now()
			if errs[i] = f.startCluster(ctx, c); errs[i] == nil {
				f.out.printf("%s ready in %s", c.Name, f.clock.Since(start).Round(100*time.Millisecond))
			}
		})
	}
	wg.Wait()
	return errors.Join(errs...)
}

// startCluster starts the components of c that are not running (etcd, then the API server,
// then the rest together) and waits until each is healthy. The hub then gets its CRDs; a
// member gets its nodes, created while its other components come up, then its metrics API.
func (f *Fleet) startCluster(ctx context.Context, c Cluster) error {
	for i, comp := range c.Components {
		if err := f.ensureRunning(c, comp); err != nil {
			return err
		}
		if i < 2 { // etcd and the API server gate everything else
			if err := f.waitHealthy(ctx, c, comp); err != nil {
				return err
			}
		}
	}
	if c.Role == RoleHub {
		if err := f.waitAllHealthy(ctx, c, c.Components[2:]); err != nil {
			return err
		}
		return installCRDs(ctx, f.clock, c)
	}
	if err := f.waitHealthyWithNodes(ctx, c); err != nil {
		return err
	}
	return ensureMetricsAPI(ctx, f.clock, c)
}

// waitHealthyWithNodes waits until the member's components after the API server are healthy
// while it creates the member's nodes and waits until they are Ready: nodes need only the API
// server and kwok, so they need not wait for metrics-server. A component that fails ends the
// wait for the nodes.
func (f *Fleet) waitHealthyWithNodes(ctx context.Context, c Cluster) error {
	nodesCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	nodes := make(chan error, 1)
	go func() { nodes <- ensureNodes(nodesCtx, f.clock, c) }()
	err := f.waitAllHealthy(ctx, c, c.Components[2:])
	if err != nil {
		cancel()
	}
	nodesErr := <-nodes
	if err != nil {
		return err // the wait for the nodes was canceled: its error adds nothing
	}
	return nodesErr
}

// waitAllHealthy waits until each of comps is healthy.
func (f *Fleet) waitAllHealthy(ctx context.Context, c Cluster, comps []Component) error {
	for _, comp := range comps {
		if err := f.waitHealthy(ctx, c, comp); err != nil {
			return err
		}
	}
	return nil
}

func (f *Fleet) ensureRunning(c Cluster, comp Component) error {
	if running(comp) != 0 {
		return nil
	}
	_, err := startProcess(f.procs, comp, c.Dir, f.dieWithParent)
	if err != nil {
		return fmt.Errorf("%s: %w", c.Name, err)
	}
	return nil
}

// Fleet ports come from [portRangeLow, portRangeHigh), below Linux's default ephemeral range
// (32768-60999). The kernel never hands these out to other programs' ":0" binds, so a port
// freed by a stopped component is still free when StartComponent or `dev up` restarts it there.
const (
	portRangeLow  = 20000
	portRangeHigh = 32000
)

// freePorts returns n distinct free ports on 127.0.0.1 from the fleet's port range, starting
// at a random place in it so that several fleets rarely probe the same ports.
func freePorts(n int) ([]int, error) {
	ports := make([]int, 0, n)
	var listeners []net.Listener
	defer func() {
		for _, l := range listeners {
			_ = l.Close()
		}
	}()
	span := portRangeHigh - portRangeLow
	start := rand.IntN(span) //nolint:gosec // spreading probes, not security
	for i := 0; i < span && len(ports) < n; i++ {
		port := portRangeLow + (start+i)%span
		if !reservePort(port) {
			continue // another process on this machine is starting a fleet with it
		}
		l, err := net.Listen("tcp", local(port))
		if err != nil {
			continue
		}
		listeners = append(listeners, l)
		ports = append(ports, port)
	}
	if len(ports) < n {
		return nil, fmt.Errorf("finding %d free ports on 127.0.0.1 between %d and %d: only %d are free", n, portRangeLow, portRangeHigh, len(ports))
	}
	return ports, nil
}

// hostAddress returns an address of this machine the API server's node proxy accepts (it
// refuses loopback and link-local ones): the first IPv4 address of an interface that is up,
// else the first IPv6 one; "" when there is none (the node proxy then fails).
func hostAddress() string {
	ifaces, err := net.Interfaces()
	if err != nil {
		return ""
	}
	var v6 string
	for _, iface := range ifaces {
		if iface.Flags&net.FlagUp == 0 || iface.Flags&net.FlagLoopback != 0 {
			continue
		}
		addrs, err := iface.Addrs()
		if err != nil {
			continue
		}
		for _, a := range addrs {
			ipnet, ok := a.(*net.IPNet)
			if !ok || !ipnet.IP.IsGlobalUnicast() {
				continue
			}
			if ipnet.IP.To4() != nil {
				return ipnet.IP.String()
			}
			if v6 == "" {
				v6 = ipnet.IP.String()
			}
		}
	}
	return v6
}
