package devfleet

import (
	"context"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/utils/clock"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"flotilla.dev/flotilla/config"
	"flotilla.dev/flotilla/internal/devfleet/usage"
)

// readyTimeout bounds waiting for nodes to be Ready and CRDs to be Established.
const readyTimeout = 60 * time.Second

// clusterClient returns an admin client for c that knows core and apiextensions types.
func clusterClient(c Cluster) (client.Client, error) {
	s := runtime.NewScheme()
	if err := clientgoscheme.AddToScheme(s); err != nil {
		return nil, err
	}
	if err := apiextensionsv1.AddToScheme(s); err != nil {
		return nil, err
	}
	cfg, err := c.RESTConfig()
	if err != nil {
		return nil, err
	}
	return client.New(cfg, client.Options{Scheme: s})
}

// nodeObject is the Node KWOK simulates for spec on member c.
func nodeObject(c Cluster, spec NodeSpec) *corev1.Node {
	res := corev1.ResourceList{
		corev1.ResourceCPU:    resource.MustParse(spec.CPU),
		corev1.ResourceMemory: resource.MustParse(spec.Memory),
		corev1.ResourcePods:   resource.MustParse(spec.Pods),
	}
	return &corev1.Node{
		ObjectMeta: metav1.ObjectMeta{
			Name: spec.Name,
			Labels: map[string]string{
				corev1.LabelHostname:           spec.Name,
				corev1.LabelOSStable:           "linux",
				corev1.LabelArchStable:         "amd64",
				corev1.LabelTopologyRegion:     c.Region,
				corev1.LabelTopologyZone:       spec.Zone,
				corev1.LabelInstanceTypeStable: fmt.Sprintf("sim-%scpu-%s", spec.CPU, spec.Memory),
				"type":                         "kwok",
			},
			Annotations: map[string]string{
				KWOKNodeAnnotation: "fake", "node.alpha.kubernetes.io/ttl": "0",
				usage.MetricsPathAnnotation: usage.NodeMetricsPath(spec.Name),
			},
		},
		Status: corev1.NodeStatus{Capacity: res, Allocatable: res.DeepCopy()},
	}
}

// ensureNodes creates the member's simulated nodes that do not exist and waits until all are
// Ready.
func ensureNodes(ctx context.Context, clk clock.WithTicker, c Cluster) error {
	cl, err := clusterClient(c)
	if err != nil {
		return err
	}
	for _, spec := range c.Nodes {
		if err := cl.Create(ctx, nodeObject(c, spec)); err != nil && !apierrors.IsAlreadyExists(err) {
			return fmt.Errorf("%s: creating node %s: %w", c.Name, spec.Name, err)
		}
	}
	return poll(ctx, clk, fmt.Sprintf("%s: waiting for %d nodes to be Ready", c.Name, len(c.Nodes)), func() (bool, error) {
		nodes := &corev1.NodeList{}
		if err := cl.List(ctx, nodes); err != nil {
			return false, nil //nolint:nilerr // the API server may be busy; keep waiting
		}
		return readyNodes(nodes.Items) >= len(c.Nodes), nil
	})
}

func readyNodes(nodes []corev1.Node) int {
	n := 0
	for _, node := range nodes {
		for _, cond := range node.Status.Conditions {
			if cond.Type == corev1.NodeReady && cond.Status == corev1.ConditionTrue {
				n++
			}
		}
	}
	return n
}

// installCRDs creates or updates Flotilla's CRDs in the hub and waits until they are
// Established.
func installCRDs(ctx context.Context, clk clock.WithTicker, hub Cluster) error {
	crds, err := config.CRDs()
	if err != nil {
		return err
	}
	cl, err := clusterClient(hub)
	if err != nil {
		return err
	}
	for _, crd := range crds {
		if err := applyCRD(ctx, cl, crd); err != nil {
			return fmt.Errorf("installing CRD %s into the hub: %w", crd.Name, err)
		}
	}
	return poll(ctx, clk, "hub: waiting for Flotilla's CRDs to be Established", func() (bool, error) {
		for _, want := range crds {
			got := &apiextensionsv1.CustomResourceDefinition{}
			if err := cl.Get(ctx, client.ObjectKey{Name: want.Name}, got); err != nil || !established(got) {
				return false, nil //nolint:nilerr // not there yet
			}
		}
		return true, nil
	})
}

func applyCRD(ctx context.Context, cl client.Client, crd *apiextensionsv1.CustomResourceDefinition) error {
	err := cl.Create(ctx, crd.DeepCopy())
	if !apierrors.IsAlreadyExists(err) {
		return err
	}
	existing := &apiextensionsv1.CustomResourceDefinition{}
	if err := cl.Get(ctx, client.ObjectKey{Name: crd.Name}, existing); err != nil {
		return err
	}
	existing.Spec = crd.Spec
	return cl.Update(ctx, existing)
}

func established(crd *apiextensionsv1.CustomResourceDefinition) bool {
	for _, c := range crd.Status.Conditions {
		if c.Type == apiextensionsv1.Established && c.Status == apiextensionsv1.ConditionTrue {
			return true
		}
	}
	return false
}

// poll calls done every 100 ms until it reports true, fails, or readyTimeout passes.
func poll(ctx context.Context, clk clock.WithTicker, what string, done func() (bool, error)) error {
	deadline := clk.Now().Add(readyTimeout)
	for {
		ok, err := done()
		if err != nil || ok {
			return err
		}
		if clk.Now().After(deadline) {
			return fmt.Errorf("%s: not done after %s", what, readyTimeout)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-clk.After(100 * time.Millisecond):
		}
	}
}
