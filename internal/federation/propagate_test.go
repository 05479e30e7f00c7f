package federation

import (
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/runtime"

	flotillav1alpha1 "flotilla.dev/flotilla/api/v1alpha1"
)

func TestPruneKinds(t *testing.T) {
	manifest := func(kind, name string) flotillav1alpha1.Manifest {
		return flotillav1alpha1.Manifest{RawExtension: runtime.RawExtension{
			Raw: []byte(`{"apiVersion":"v1","kind":"` + kind + `","metadata":{"name":"` + name + `"}}`)}}
	}
	revisions := map[string][]flotillav1alpha1.Manifest{
		"web-1": {manifest("Deployment", "web"), manifest("ConfigMap", "web-config"), manifest("Service", "web")},
		"web-2": {manifest("Deployment", "web"), manifest("ConfigMap", "web-config")},
	}
	keepAll := map[string]bool{"Deployment/web": true, "ConfigMap/web-config": true, "Service/web": true}
	keepNoService := map[string]bool{"Deployment/web": true, "ConfigMap/web-config": true}
	for _, tc := range []struct {
		name      string
		previous  string
		keep      map[string]bool
		wantKinds []string
		wantAny   bool
		wantAll   bool
	}{
		{name: "first apply in the cluster: every kind", previous: "", keep: keepAll, wantAny: true, wantAll: true},
		{name: "last applied revision pruned from the history: every kind", previous: "web-0", keep: keepAll, wantAny: true, wantAll: true},
		{name: "nothing was ever removed: no list", previous: "web-1", keep: keepAll},
		{name: "a Service left the spec: Services only", previous: "web-1", keep: keepNoService, wantKinds: []string{"Service"}, wantAny: true},
		{name: "an earlier revision had it, even if the last applied did not", previous: "web-2", keep: keepNoService,
			wantKinds: []string{"Service"}, wantAny: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			kinds, some := pruneKinds(tc.previous, revisions, tc.keep)
			if some != tc.wantAny || (kinds == nil) != tc.wantAll || len(kinds) != len(tc.wantKinds) {
				t.Fatalf("pruneKinds = %v, %v; want kinds %v (all %v), any %v", kinds, some, tc.wantKinds, tc.wantAll, tc.wantAny)
			}
			for _, k := range tc.wantKinds {
				if !kinds[k] {
					t.Errorf("kinds %v lack %s", kinds, k)
				}
			}
		})
	}
}

func TestJitteredStaysWithinAFifthOfThePeriod(t *testing.T) {
	const period = 10 * time.Minute
	seen := map[time.Duration]bool{}
	for _, key := range []string{"member-1/default/web", "member-2/default/web", "member-1/shop/cart"} {
		d := jittered(period, key)
		if d < period || d >= period+period/5 {
			t.Errorf("jittered(%s) = %s, want within [10m, 12m)", key, d)
		}
		if d != jittered(period, key) {
			t.Errorf("jittered(%s) is not stable", key)
		}
		seen[d] = true
	}
	if len(seen) < 2 {
		t.Errorf("every key got the same delay: %v", seen)
	}
}
