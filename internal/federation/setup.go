package federation

import (
	"context"
	"fmt"
	"net/http"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/clock"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	ctrlmetrics "sigs.k8s.io/controller-runtime/pkg/metrics"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"
	"sigs.k8s.io/controller-runtime/pkg/source"

	flotillav1alpha1 "flotilla.dev/flotilla/api/v1alpha1"
	"flotilla.dev/flotilla/internal/fleet"
	"flotilla.dev/flotilla/internal/fleet/capacity"
)

// Registry is what the reconciler needs of the fleet cache; *fleet.Registry implements it.
type Registry interface {
	Client(ctx context.Context, cluster string) (client.Client, error)
	Nodes(cluster string) ([]capacity.Node, error)
	Health(cluster string) (fleet.Health, bool)
	WatchAll(obj client.Object, selector labels.Selector, fn fleet.EventFunc) error
	APIReader(ctx context.Context, cluster string) (client.Reader, error)
}

var _ Registry = (*fleet.Registry)(nil)

// Options tune the Application reconciler. Zero values mean the defaults.
type Options struct {
	// MaxConcurrentReconciles is how many Applications are reconciled at once (default 4).
	MaxConcurrentReconciles int
	// MaxParallelClusters bounds how many members one reconciliation writes to at once (default 8).
	MaxParallelClusters int
	// MemberTimeout bounds the writes to one member in one reconciliation (default 30s).
	MemberTimeout time.Duration
	// PendingRetry is how often an Application waiting for an unreachable member retries (default 30s).
	PendingRetry time.Duration
	// ResyncPeriod is how often an up-to-date copy is applied again anyway, to restore what was
	// changed in a member (default 10m; each Application and cluster waits up to 20% longer, so
	// that they do not all fall due together).
	ResyncPeriod time.Duration
	// Clock is the time source (default: the real clock).
	Clock clock.PassiveClock
	// HTTP runs the rollout analysis' Prometheus queries and webhook calls (default: a client
	// with a 10s timeout).
	HTTP *http.Client
}

func (o Options) withDefaults() Options {
	if o.MaxConcurrentReconciles <= 0 {
		o.MaxConcurrentReconciles = 4
	}
	if o.MaxParallelClusters <= 0 {
		o.MaxParallelClusters = 8
	}
	if o.MemberTimeout <= 0 {
		o.MemberTimeout = 30 * time.Second
	}
	if o.PendingRetry <= 0 {
		o.PendingRetry = 30 * time.Second
	}
	if o.ResyncPeriod <= 0 {
		o.ResyncPeriod = 10 * time.Minute
	}
	if o.Clock == nil {
		o.Clock = clock.RealClock{}
	}
	if o.HTTP == nil {
		o.HTTP = &http.Client{Timeout: 10 * time.Second}
	}
	return o
}

// Setup adds the Application reconciler to mgr (which runs against the hub). Member workloads
// are watched through registry, so status follows the members without polling.
func Setup(mgr ctrl.Manager, registry Registry, opts Options) error {
	opts = opts.withDefaults()
	m, err := newMetrics(ctrlmetrics.Registry)
	if err != nil {
		return fmt.Errorf("registering rollout metrics: %w", err)
	}
	r := &ApplicationReconciler{
		Client: mgr.GetClient(), APIReader: mgr.GetAPIReader(), Registry: registry, Events: mgr.GetEventRecorder("flotilla-federation"), opts: opts, mem: newMemory(),
		metrics: m,
	}
	memberEvents := make(chan event.GenericEvent, 1024)
	managed := labels.SelectorFromSet(labels.Set{flotillav1alpha1.LabelManagedBy: flotillav1alpha1.ManagedByFlotilla})
	for _, obj := range []client.Object{&appsv1.Deployment{}, &appsv1.StatefulSet{}} {
		if err := registry.WatchAll(obj, managed, forwardMemberEvent(memberEvents)); err != nil {
			return fmt.Errorf("watching member workloads: %w", err)
		}
	}
	return ctrl.NewControllerManagedBy(mgr).
		For(&flotillav1alpha1.Application{}, builder.WithPredicates(predicate.Or(
			predicate.GenerationChangedPredicate{}, predicate.AnnotationChangedPredicate{}, predicate.LabelChangedPredicate{}))).
		Watches(&flotillav1alpha1.MemberCluster{}, handler.EnqueueRequestsFromMapFunc(r.applicationsOfCluster),
			builder.WithPredicates(memberChanged())).
		Watches(&flotillav1alpha1.ChangeFreeze{}, handler.EnqueueRequestsFromMapFunc(r.applicationsOfCluster),
			builder.WithPredicates(freezeChanged())).
		WatchesRawSource(source.Channel(memberEvents, &handler.EnqueueRequestForObject{})).
		WithOptions(controller.Options{MaxConcurrentReconciles: opts.MaxConcurrentReconciles}).
		Named("application").
		Complete(r)
}

// forwardMemberEvent maps a member workload to its Application by its labels.
func forwardMemberEvent(out chan<- event.GenericEvent) fleet.EventFunc {
	return func(_ string, obj client.Object) {
		l := obj.GetLabels()
		name, ns := l[flotillav1alpha1.LabelApplication], l[flotillav1alpha1.LabelApplicationNamespace]
		if name == "" || ns == "" {
			return
		}
		app := &flotillav1alpha1.Application{}
		app.SetName(name)
		app.SetNamespace(ns)
		out <- event.GenericEvent{Object: app}
	}
}

// applicationsOfCluster enqueues every Application: a member's health or labels can change the
// placement of any of them.
func (r *ApplicationReconciler) applicationsOfCluster(ctx context.Context, _ client.Object) []reconcile.Request {
	var list flotillav1alpha1.ApplicationList
	if err := r.Client.List(ctx, &list); err != nil {
		ctrl.LoggerFrom(ctx).Error(err, "listing Applications for a MemberCluster change")
		return nil
	}
	out := make([]reconcile.Request, 0, len(list.Items))
	for i := range list.Items {
		out = append(out, reconcile.Request{NamespacedName: types.NamespacedName{Namespace: list.Items[i].Namespace, Name: list.Items[i].Name}})
	}
	return out
}

// freezeChanged passes ChangeFreeze changes that pause or resume rollouts.
func freezeChanged() predicate.Predicate {
	return predicate.Funcs{
		UpdateFunc: func(e event.UpdateEvent) bool {
			before, ok1 := e.ObjectOld.(*flotillav1alpha1.ChangeFreeze)
			after, ok2 := e.ObjectNew.(*flotillav1alpha1.ChangeFreeze)
			return !ok1 || !ok2 || before.Status.Frozen != after.Status.Frozen
		},
	}
}

// memberChanged passes MemberCluster changes that can move replicas: spec, labels, and the
// Ready/Reachable condition statuses, not every probe timestamp.
func memberChanged() predicate.Predicate {
	return predicate.Funcs{
		UpdateFunc: func(e event.UpdateEvent) bool {
			before, ok1 := e.ObjectOld.(*flotillav1alpha1.MemberCluster)
			after, ok2 := e.ObjectNew.(*flotillav1alpha1.MemberCluster)
			if !ok1 || !ok2 {
				return true
			}
			return before.Generation != after.Generation ||
				!labels.Equals(before.Labels, after.Labels) ||
				conditionStatus(before, flotillav1alpha1.ConditionReady) != conditionStatus(after, flotillav1alpha1.ConditionReady) ||
				conditionStatus(before, flotillav1alpha1.ConditionReachable) != conditionStatus(after, flotillav1alpha1.ConditionReachable)
		},
	}
}
