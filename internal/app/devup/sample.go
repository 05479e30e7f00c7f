package devup

import (
	"context"
	"fmt"
	"time"

	"k8s.io/apimachinery/pkg/util/wait"
	"sigs.k8s.io/controller-runtime/pkg/client"

	flotillav1alpha1 "flotilla.dev/flotilla/api/v1alpha1"
	"flotilla.dev/flotilla/examples"
)

// deploySample server-side applies examples/sample-app.yaml to the hub and waits until it is
// available across the members.
func deploySample(ctx context.Context, hub client.Client, o Options) error {
	app, err := examples.SampleApplication()
	if err != nil {
		return err
	}
	if app.Namespace == "" {
		app.Namespace = "default"
	}
	app.SetManagedFields(nil)
	app.SetResourceVersion("")
	app.APIVersion = flotillav1alpha1.GroupVersion.String()
	app.Kind = "Application"
	if err := hub.Patch(ctx, app, client.Apply, client.FieldOwner("flotilla-dev-up"), client.ForceOwnership); err != nil { //nolint:staticcheck // SSA of a typed object we built ourselves
		return fmt.Errorf("deploying the sample application: %w", err)
	}
	fmt.Fprintf(o.Out, "deployed the sample application %s/%s\n", app.Namespace, app.Name)
	key := client.ObjectKeyFromObject(app)
	lastPrint := time.Time{}
	err = wait.PollUntilContextTimeout(ctx, 500*time.Millisecond, o.WaitTimeout, true, func(ctx context.Context) (bool, error) {
		if err := hub.Get(ctx, key, app); err != nil {
			return false, nil //nolint:nilerr // keep polling until the timeout
		}
		if time.Since(lastPrint) > 5*time.Second {
			fmt.Fprintf(o.Out, "waiting for %s: %d/%d replicas ready\n", app.Name, app.Status.ReadyReplicas, app.Status.Replicas)
			lastPrint = time.Now()
		}
		return available(app), nil
	})
	if err != nil {
		return fmt.Errorf("the sample application is not available after %s (%d/%d replicas ready): see 'flotilla describe app %s'", o.WaitTimeout, app.Status.ReadyReplicas, app.Status.Replicas, app.Name)
	}
	fmt.Fprintf(o.Out, "%s is available: %d/%d replicas ready\n", app.Name, app.Status.ReadyReplicas, app.Status.Replicas)
	return nil
}
