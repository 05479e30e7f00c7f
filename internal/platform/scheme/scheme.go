// Package scheme provides the runtime.Scheme that knows client-go's built-in types and
// Flotilla's API. It is built once at init and never mutated afterwards.
package scheme

import (
	"k8s.io/apimachinery/pkg/runtime"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"

	flotillav1alpha1 "flotilla.dev/flotilla/api/v1alpha1"
)

// Scheme knows the built-in Kubernetes types and flotilla.dev/v1alpha1.
var Scheme = runtime.NewScheme()

func init() {
	utilruntime.Must(clientgoscheme.AddToScheme(Scheme))
	utilruntime.Must(flotillav1alpha1.AddToScheme(Scheme))
}
