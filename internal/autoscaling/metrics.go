package autoscaling

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/controller-runtime/pkg/client"

	flotillav1alpha1 "flotilla.dev/flotilla/api/v1alpha1"
	"flotilla.dev/flotilla/internal/autoscaling/recommender"
	"flotilla.dev/flotilla/internal/federation/render"
	"flotilla.dev/flotilla/internal/platform/httpjson"
	"flotilla.dev/flotilla/internal/platform/podstatus"
	"flotilla.dev/flotilla/internal/rollout/analysis"
)

// podMetricsList is metrics.k8s.io/v1beta1 PodMetricsList, read as unstructured data.
var podMetricsList = schema.GroupVersionKind{Group: "metrics.k8s.io", Version: "v1beta1", Kind: "PodMetricsList"}

// measure reads every metric of the autoscaler once; a metric that cannot be read has a nil
// value and a message saying why.
func (r *Reconciler) measure(ctx context.Context, fa *flotillav1alpha1.FleetAutoscaler, app *flotillav1alpha1.Application) []recommender.Metric {
	out := make([]recommender.Metric, 0, len(fa.Spec.Metrics))
	for _, m := range fa.Spec.Metrics {
		var rm recommender.Metric
		var err error
		switch {
		case m.Resource != nil:
			rm = recommender.Metric{Kind: recommender.Ratio, Target: float64(m.Resource.TargetAverageUtilization)}
			rm.Value, err = r.utilization(ctx, app, m.Resource.Name)
		case m.Prometheus != nil:
			rm, err = targetMetric(m.Prometheus.Target)
			if err == nil {
				query := strings.NewReplacer("{{app}}", app.Name, "{{namespace}}", app.Namespace).Replace(m.Prometheus.Query)
				rm.Value, err = analysis.QueryPrometheus(ctx, r.opts.HTTP, m.Prometheus.Address, query, analysis.DefaultQueryTimeout)
				if err == nil && rm.Value == nil {
					err = fmt.Errorf("the query returned no data (or NaN)")
				}
			}
		case m.External != nil:
			rm, err = targetMetric(m.External.Target)
			if err == nil {
				rm.Value, err = r.external(ctx, fa, app, m.Name, m.External.URL)
			}
		}
		rm.Name = m.Name
		if err != nil {
			rm.Value, rm.Message = nil, err.Error()
		}
		r.instr.observeMetric(fa, m.Name, err != nil)
		out = append(out, rm)
	}
	return out
}

// targetMetric reads a target: a per-replica average value or a fleet value.
func targetMetric(t flotillav1alpha1.ScalingTarget) (recommender.Metric, error) {
	raw, kind := t.Value, recommender.Ratio
	if t.AverageValue != nil {
		raw, kind = t.AverageValue, recommender.AverageValue
	}
	if raw == nil {
		return recommender.Metric{}, fmt.Errorf("no target: set averageValue or value")
	}
	v, err := strconv.ParseFloat(*raw, 64)
	if err != nil || v <= 0 {
		return recommender.Metric{}, fmt.Errorf("target %q must be a positive number", *raw)
	}
	return recommender.Metric{Kind: kind, Target: v}, nil
}

// utilization is the usage of resource by the application's ready pods in every cluster, in
// percent of their requests, from each member's metrics API (metrics.k8s.io).
func (r *Reconciler) utilization(ctx context.Context, app *flotillav1alpha1.Application, name corev1.ResourceName) (*float64, error) {
	sel, err := render.PodSelector(app)
	if err != nil {
		return nil, err
	}
	var used, requested float64
	pods := 0
	for _, c := range app.Status.Clusters {
		if c.Replicas == 0 {
			continue
		}
		reader, err := r.Members.APIReader(ctx, c.Name)
		if err != nil {
			return nil, fmt.Errorf("cluster %s: %w", c.Name, err)
		}
		var list corev1.PodList
		if err := reader.List(ctx, &list, client.InNamespace(app.Namespace), sel); err != nil {
			return nil, fmt.Errorf("listing pods in %s: %w", c.Name, err)
		}
		usage := &unstructured.UnstructuredList{}
		usage.SetGroupVersionKind(podMetricsList)
		if err := reader.List(ctx, usage, client.InNamespace(app.Namespace), sel); err != nil {
			return nil, fmt.Errorf("reading the metrics API (metrics.k8s.io) of %s: %w; is metrics-server running there?", c.Name, err)
		}
		byPod := podUsage(usage, name)
		for i := range list.Items {
			p := &list.Items[i]
			u, measured := byPod[p.Name]
			if !measured || !podstatus.Ready(p) || p.DeletionTimestamp != nil {
				continue
			}
			req := requests(p, name)
			if req <= 0 {
				return nil, fmt.Errorf("pod %s in %s has no %s request: utilization needs requests", p.Name, c.Name, name)
			}
			used, requested, pods = used+u, requested+req, pods+1
		}
	}
	if pods == 0 {
		return nil, fmt.Errorf("no ready pod has %s metrics yet", name)
	}
	v := 100 * used / requested
	return &v, nil
}

// podUsage sums each pod's containers' usage of resource.
func podUsage(list *unstructured.UnstructuredList, name corev1.ResourceName) map[string]float64 {
	out := map[string]float64{}
	for _, item := range list.Items {
		containers, _, _ := unstructured.NestedSlice(item.Object, "containers")
		total := 0.0
		for _, c := range containers {
			cm, _ := c.(map[string]any)
			raw, _, _ := unstructured.NestedString(cm, "usage", string(name))
			if q, err := resource.ParseQuantity(raw); err == nil {
				total += q.AsApproximateFloat64()
			}
		}
		out[item.GetName()] = total
	}
	return out
}

func requests(p *corev1.Pod, name corev1.ResourceName) float64 {
	total := 0.0
	for _, c := range p.Spec.Containers {
		if q, ok := c.Resources.Requests[name]; ok {
			total += q.AsApproximateFloat64()
		}
	}
	return total
}

// external POSTs the autoscaler's context to url and reads {"value": n}.
func (r *Reconciler) external(ctx context.Context, fa *flotillav1alpha1.FleetAutoscaler, app *flotillav1alpha1.Application, metric, url string) (*float64, error) {
	raw, err := httpjson.Post(ctx, r.opts.HTTP, url, map[string]string{"autoscaler": fa.Name, "application": app.Name,
		"namespace": app.Namespace, "metric": metric})
	if err != nil {
		return nil, fmt.Errorf("external metric %w", err)
	}
	var ans struct {
		Value *float64 `json:"value"`
	}
	if err := json.Unmarshal(raw, &ans); err != nil || ans.Value == nil {
		return nil, fmt.Errorf("external metric %s answered %.200s; want {\"value\": <number>}", url, raw)
	}
	return ans.Value, nil
}
