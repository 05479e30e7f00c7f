package devfleet

import (
	"context"
	"encoding/base64"
	"fmt"
	"os"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/util/retry"
	"k8s.io/utils/clock"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// The Service and APIService through which a member's API server serves the metrics API.
const (
	metricsServiceName = "metrics-server"
	metricsAPIService  = "v1beta1.metrics.k8s.io"
)

// metricsServiceHost is the name the aggregation layer expects metrics-server's serving
// certificate to carry (<service>.<namespace>.svc).
const metricsServiceHost = metricsServiceName + "." + metav1.NamespaceSystem + ".svc"

// ensureMetricsAPI registers member c's metrics-server as the metrics API (v1beta1.metrics.k8s.io)
// and waits until the API server reports it Available. The Service is an ExternalName one for
// 127.0.0.1: the aggregation layer then proxies to 127.0.0.1 and the APIService's port,
// needing neither endpoints nor a service network. A member planned before metrics-server
// was a member component has none, and nothing is registered.
func ensureMetricsAPI(ctx context.Context, clk clock.WithTicker, c Cluster) error {
	comp, ok := c.Component(ComponentMetricsServer)
	if !ok {
		return nil
	}
	ca, err := os.ReadFile(c.CAPath)
	if err != nil {
		return fmt.Errorf("%s: reading the certificate authority for the metrics API: %w", c.Name, err)
	}
	cl, err := clusterClient(c)
	if err != nil {
		return err
	}
	svc := &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Name: metricsServiceName, Namespace: metav1.NamespaceSystem},
		Spec:       corev1.ServiceSpec{Type: corev1.ServiceTypeExternalName, ExternalName: "127.0.0.1"},
	}
	if err := cl.Create(ctx, svc); err != nil && !apierrors.IsAlreadyExists(err) {
		return fmt.Errorf("%s: creating the metrics-server Service: %w", c.Name, err)
	}
	if err := applyAPIService(ctx, cl, metricsAPIServiceObject(comp.Port, ca), clk.Now()); err != nil {
		return fmt.Errorf("%s: registering the metrics API: %w", c.Name, err)
	}
	return poll(ctx, clk, c.Name+": waiting for the metrics API to be Available", func() (bool, error) {
		got := metricsAPIServiceObject(0, nil)
		if err := cl.Get(ctx, client.ObjectKeyFromObject(got), got); err != nil {
			return false, nil //nolint:nilerr // the API server may be busy; keep waiting
		}
		return apiServiceAvailable(got), nil
	})
}

// metricsAPIServiceObject is the APIService of the metrics API, served on port and trusted
// through caPEM. It is unstructured: the fleet needs no kube-aggregator dependency for one object.
func metricsAPIServiceObject(port int, caPEM []byte) *unstructured.Unstructured {
	u := &unstructured.Unstructured{Object: map[string]any{
		"spec": map[string]any{
			"group": "metrics.k8s.io", "version": "v1beta1",
			"groupPriorityMinimum": int64(100), "versionPriority": int64(100),
			"service": map[string]any{
				"namespace": metav1.NamespaceSystem, "name": metricsServiceName, "port": int64(port),
			},
			"caBundle": base64.StdEncoding.EncodeToString(caPEM),
		},
	}}
	u.SetAPIVersion("apiregistration.k8s.io/v1")
	u.SetKind("APIService")
	u.SetName(metricsAPIService)
	return u
}

// registeredAnnotation on the APIService records when the fleet last registered it. Changing it
// makes the API server check the APIService at once: after a restart it has already failed to
// reach metrics-server and would retry only after a back-off of seconds.
const registeredAnnotation = "flotilla.dev/registered"

// applyAPIService creates want, or gives an existing APIService of its name want's spec and a
// new registeredAnnotation.
func applyAPIService(ctx context.Context, cl client.Client, want *unstructured.Unstructured, now time.Time) error {
	want = want.DeepCopy()
	want.SetAnnotations(map[string]string{registeredAnnotation: now.UTC().Format(time.RFC3339Nano)})
	err := cl.Create(ctx, want.DeepCopy())
	if !apierrors.IsAlreadyExists(err) {
		return err
	}
	// The aggregator writes the APIService's status meanwhile: retry on a conflict.
	return retry.RetryOnConflict(retry.DefaultRetry, func() error {
		existing := metricsAPIServiceObject(0, nil)
		if err := cl.Get(ctx, client.ObjectKeyFromObject(want), existing); err != nil {
			return err
		}
		existing.Object["spec"] = want.Object["spec"]
		existing.SetAnnotations(want.GetAnnotations())
		return cl.Update(ctx, existing)
	})
}

// apiServiceAvailable reports whether an APIService has the condition Available=True.
func apiServiceAvailable(u *unstructured.Unstructured) bool {
	conds, _, _ := unstructured.NestedSlice(u.Object, "status", "conditions")
	for _, c := range conds {
		m, _ := c.(map[string]any)
		if m["type"] == "Available" && m["status"] == string(metav1.ConditionTrue) {
			return true
		}
	}
	return false
}
