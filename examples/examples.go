// Package examples embeds the sample manifests in examples/ so that the binary (e.g.
// `flotilla dev up`) can deploy them without a checkout of this repository.
package examples

import (
	_ "embed"
	"fmt"

	"sigs.k8s.io/yaml"

	flotillav1alpha1 "flotilla.dev/flotilla/api/v1alpha1"
)

//go:embed sample-app.yaml
var sampleApp []byte

// SampleNamespace is where the sample application goes when it is deployed as is.
const SampleNamespace = "default"

// SampleApplicationYAML returns examples/sample-app.yaml as written.
func SampleApplicationYAML() []byte {
	return append([]byte(nil), sampleApp...)
}

// SampleApplication returns the sample Application, in SampleNamespace, ready to create or apply
// (TypeMeta set). Every call returns a new object.
func SampleApplication() (*flotillav1alpha1.Application, error) {
	app := &flotillav1alpha1.Application{}
	if err := yaml.UnmarshalStrict(sampleApp, app); err != nil {
		return nil, fmt.Errorf("examples/sample-app.yaml: %w", err)
	}
	if app.Namespace == "" {
		app.Namespace = SampleNamespace
	}
	app.APIVersion, app.Kind = flotillav1alpha1.GroupVersion.String(), "Application"
	return app, nil
}
