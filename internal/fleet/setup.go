package fleet

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	crmetrics "sigs.k8s.io/controller-runtime/pkg/metrics"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"
	"sigs.k8s.io/controller-runtime/pkg/source"

	flotillav1alpha1 "flotilla.dev/flotilla/api/v1alpha1"
)

// Setup adds the fleet to mgr, which runs against the hub: the Registry (stopped with the
// manager), a cache of the Secrets in opts.Namespace only, and the MemberCluster reconciler.
// The returned Registry is what other controllers use to reach members.
func Setup(mgr ctrl.Manager, opts Options) (*Registry, error) {
	opts = opts.withDefaults()
	if err := opts.validate(); err != nil {
		return nil, err
	}
	if opts.Registerer == nil {
		opts.Registerer = crmetrics.Registry
	}
	m, err := newMetrics(opts.Registerer)
	if err != nil {
		return nil, fmt.Errorf("registering the fleet metrics: %w", err)
	}
	reg := newRegistry(mgr.GetScheme(), opts, m)
	reg.log = mgr.GetLogger().WithName("fleet")
	if err := mgr.Add(reg); err != nil {
		return nil, err
	}
	secrets, err := cache.New(mgr.GetConfig(), cache.Options{
		HTTPClient: mgr.GetHTTPClient(), Scheme: mgr.GetScheme(), Mapper: mgr.GetRESTMapper(),
		DefaultNamespaces: map[string]cache.Config{opts.Namespace: {}},
	})
	if err != nil {
		return nil, fmt.Errorf("building the cache of member Secrets in %s: %w", opts.Namespace, err)
	}
	if err := mgr.Add(secrets); err != nil {
		return nil, err
	}
	rec := &MemberClusterReconciler{
		Client: mgr.GetClient(), Secrets: secrets, APIReader: mgr.GetAPIReader(), Registry: reg,
		Events: mgr.GetEventRecorder("flotilla-fleet"), opts: opts,
	}
	if err := rec.setupWithManager(mgr, secrets); err != nil {
		return nil, err
	}
	return reg, nil
}

func newRegistry(s *runtime.Scheme, opts Options, m *metrics) *Registry {
	root, stop := context.WithCancel(context.Background())
	return &Registry{
		scheme: s, clock: opts.Clock, opts: opts, root: root, stopRoot: stop,
		members: map[string]*member{}, connected: make(chan string, 16), metrics: m,
	}
}

// Start runs until ctx ends, then closes every member connection. It implements
// manager.Runnable; the manager calls it.
func (r *Registry) Start(ctx context.Context) error {
	<-ctx.Done()
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, m := range r.members {
		m.closeConn()
	}
	r.stopRoot()
	return nil
}

func (r *MemberClusterReconciler) setupWithManager(mgr ctrl.Manager, secrets cache.Cache) error {
	connected := make(chan event.GenericEvent)
	go r.Registry.forwardConnected(connected)
	return ctrl.NewControllerManagedBy(mgr).
		For(&flotillav1alpha1.MemberCluster{}, builder.WithPredicates(
			predicate.Or(predicate.GenerationChangedPredicate{}, predicate.LabelChangedPredicate{}))).
		WatchesRawSource(source.Kind(secrets, &corev1.Secret{},
			handler.TypedEnqueueRequestsFromMapFunc(r.membersOfSecret))).
		WatchesRawSource(source.Channel(connected, &handler.EnqueueRequestForObject{})).
		WithOptions(controller.Options{MaxConcurrentReconciles: r.opts.MaxConcurrentReconciles}).
		Named("membercluster").
		Complete(r)
}

// forwardConnected turns connected-member notifications into reconcile events.
func (r *Registry) forwardConnected(out chan<- event.GenericEvent) {
	for {
		select {
		case <-r.root.Done():
			return
		case name := <-r.connected:
			ev := event.GenericEvent{Object: &flotillav1alpha1.MemberCluster{}}
			ev.Object.SetName(name)
			select {
			case out <- ev:
			case <-r.root.Done():
				return
			}
		}
	}
}

// membersOfSecret maps a Secret to the MemberClusters whose spec.secretRef names it.
func (r *MemberClusterReconciler) membersOfSecret(ctx context.Context, s *corev1.Secret) []reconcile.Request {
	var list flotillav1alpha1.MemberClusterList
	if err := r.Client.List(ctx, &list); err != nil {
		ctrl.LoggerFrom(ctx).Error(err, "listing MemberClusters to map a Secret change")
		return nil
	}
	var out []reconcile.Request
	for i := range list.Items {
		if list.Items[i].Spec.SecretRef.Name == s.Name {
			out = append(out, reconcile.Request{NamespacedName: types.NamespacedName{Name: list.Items[i].Name}})
		}
	}
	return out
}
