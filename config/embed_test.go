package config

import "testing"

func TestCRDsAreEmbeddedAndParse(t *testing.T) {
	crds, err := CRDs()
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]bool{"memberclusters.flotilla.dev": false, "applications.flotilla.dev": false, "applicationrevisions.flotilla.dev": false}
	for _, c := range crds {
		want[c.Name] = true
	}
	for name, found := range want {
		if !found {
			t.Errorf("CRD %s is not embedded", name)
		}
	}
}
