package admission

import (
	"context"
	"encoding/json"
	"flag"
	"os"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
	"sigs.k8s.io/yaml"

	"flotilla.dev/flotilla/internal/devfleet/binaries"
	"flotilla.dev/flotilla/internal/platform/scheme"
)

var hub client.Client

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	flag.Parse()
	if testing.Short() {
		return m.Run()
	}
	dir, err := binaries.DefaultPins.Find()
	if err != nil {
		println("admission tests:", err.Error())
		return 1
	}
	env := &envtest.Environment{
		BinaryAssetsDirectory: dir,
		CRDDirectoryPaths:     []string{"../../config/crd/bases"},
		ErrorIfCRDPathMissing: true,
	}
	cfg, err := env.Start()
	if err != nil {
		println("starting the hub API server:", err.Error())
		return 1
	}
	defer func() { _ = env.Stop() }()
	hub, err = client.New(cfg, client.Options{Scheme: scheme.Scheme})
	if err != nil {
		println(err.Error())
		return 1
	}
	return m.Run()
}

const validApp = `
apiVersion: flotilla.dev/v1alpha1
kind: Application
metadata: {name: web, namespace: default}
spec:
  resources:
  - apiVersion: apps/v1
    kind: Deployment
    metadata: {name: web}
    spec:
      replicas: 3
      selector: {matchLabels: {app: web}}
      template:
        metadata: {labels: {app: web}}
        spec: {containers: [{name: web, image: registry.example.com/web:v1}]}
  - apiVersion: v1
    kind: ConfigMap
    metadata: {name: web-config}
    data: {greeting: hello}
  placement:
    replicaScheduling: {type: Divided, division: StaticWeights}
`

const validCluster = `
apiVersion: flotilla.dev/v1alpha1
kind: MemberCluster
metadata: {name: member-1}
spec:
  secretRef: {name: member-1-kubeconfig}
  region: eu-west
`

// mutate decodes doc, applies set (a dotted path -> JSON value; a null value deletes) and returns the object.
const validFreeze = `
apiVersion: flotilla.dev/v1alpha1
kind: ChangeFreeze
metadata: {name: fleet-health}
spec:
  podCreation: {minSuccessPercent: 90}
`

const validAutoscaler = `
apiVersion: flotilla.dev/v1alpha1
kind: FleetAutoscaler
metadata: {name: web, namespace: default}
spec:
  targetRef: {name: web}
  minReplicas: 2
  maxReplicas: 20
  metrics:
    - name: cpu
      resource: {name: cpu, targetAverageUtilization: 60}
`

func mutate(t *testing.T, doc string, set map[string]string) *unstructured.Unstructured {
	t.Helper()
	obj := map[string]any{}
	if err := yaml.Unmarshal([]byte(doc), &obj); err != nil {
		t.Fatal(err)
	}
	for path, raw := range set {
		var v any
		if err := json.Unmarshal([]byte(raw), &v); err != nil {
			t.Fatalf("value for %s: %v", path, err)
		}
		setPath(obj, strings.Split(path, "."), v)
	}
	return &unstructured.Unstructured{Object: obj}
}

func setPath(obj map[string]any, path []string, v any) {
	for i, p := range path {
		if i == len(path)-1 {
			if v == nil {
				delete(obj, p)
			} else {
				obj[p] = v
			}
			return
		}
		next, ok := obj[p].(map[string]any)
		if !ok {
			next = map[string]any{}
			obj[p] = next
		}
		obj = next
	}
}

const validPolicy = `
apiVersion: flotilla.dev/v1alpha1
kind: ResourcePolicy
metadata: {name: web, namespace: default}
spec:
  targetRef: {name: web}
  mode: Auto
  containers:
  - name: "*"
    targets:
    - {resource: cpu, field: request, percentile: 90, marginPercent: 15}
    - {resource: memory, field: limit, percentile: 100, marginPercent: 20}
    minAllowed: {cpu: 50m, memory: 64Mi}
    maxAllowed: {cpu: "2", memory: 2Gi}
  update: {batchSize: 25%, minInterval: 10m}
  burst: {memoryThresholdPercent: 90}
`

func TestValidObjectsAreAccepted(t *testing.T) {
	if testing.Short() {
		t.Skip("needs a real API server; run without -short")
	}
	ctx := context.Background()
	for name, doc := range map[string]string{"application": validApp, "membercluster": validCluster, "changefreeze": validFreeze, "fleetautoscaler": validAutoscaler, "resourcepolicy": validPolicy} {
		obj := mutate(t, doc, nil)
		if err := hub.Create(ctx, obj, client.DryRunAll); err != nil {
			t.Errorf("valid %s rejected: %v", name, err)
		}
	}
	// kubectl sends no placement at all (Go clients send placement: {}).
	if err := hub.Create(ctx, mutate(t, validApp, map[string]string{"spec.placement": "null"}), client.DryRunAll); err != nil {
		t.Errorf("an application without spec.placement rejected: %v", err)
	}
}

func TestInvalidObjectsAreRejectedNamingTheField(t *testing.T) {
	if testing.Short() {
		t.Skip("needs a real API server; run without -short")
	}
	deployment := `{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"other"},"spec":{}}`
	cases := []struct {
		name string
		doc  string
		set  map[string]string
		want []string // every substring must appear in the error
	}{
		{"no resources", validApp, map[string]string{"spec.resources": `[]`}, []string{"spec.resources"}},
		{"resources missing", validApp, map[string]string{"spec.resources": `null`}, []string{"spec.resources", "Required"}},
		{"no workload", validApp, map[string]string{"spec.resources": `[{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c"}}]`}, []string{"spec.resources", "exactly one workload"}},
		{"two workloads", validApp, map[string]string{"spec.resources": `[` + deployment + `,` + strings.Replace(deployment, "other", "another", 1) + `]`}, []string{"spec.resources", "exactly one workload"}},
		{"unknown kind", validApp, map[string]string{"spec.resources": `[` + deployment + `,{"apiVersion":"batch/v1","kind":"Job","metadata":{"name":"j"}}]`}, []string{"spec.resources", "may hold only"}},
		{"deployment wrong group", validApp, map[string]string{"spec.resources": `[{"apiVersion":"extensions/v1beta1","kind":"Deployment","metadata":{"name":"d"}}]`}, []string{"spec.resources"}},
		{"resource without name", validApp, map[string]string{"spec.resources": `[{"apiVersion":"apps/v1","kind":"Deployment","metadata":{}}]`}, []string{"spec.resources", "metadata.name"}},
		{"resource without kind", validApp, map[string]string{"spec.resources": `[{"apiVersion":"apps/v1","metadata":{"name":"d"}}]`}, []string{"spec.resources[0].kind"}},
		{"resource without apiVersion", validApp, map[string]string{"spec.resources": `[{"kind":"Deployment","metadata":{"name":"d"}}]`}, []string{"spec.resources[0].apiVersion"}},
		{"unknown scheduling type", validApp, map[string]string{"spec.placement.replicaScheduling.type": `"Spread"`}, []string{"spec.placement.replicaScheduling.type", "Duplicated", "Divided"}},
		{"unknown division", validApp, map[string]string{"spec.placement.replicaScheduling.division": `"Random"`}, []string{"spec.placement.replicaScheduling.division"}},
		{"negative weight", validApp, map[string]string{"spec.placement.replicaScheduling.weights": `[{"clusterNames":["a"],"weight":-1}]`}, []string{"spec.placement.replicaScheduling.weights[0].weight"}},
		{"all weights zero", validApp, map[string]string{"spec.placement.replicaScheduling.weights": `[{"clusterNames":["a"],"weight":0},{"clusterNames":["b"],"weight":0}]`}, []string{"spec.placement.replicaScheduling.weights", "must not all be zero"}},
		{"weight too large", validApp, map[string]string{"spec.placement.replicaScheduling.weights": `[{"clusterNames":["a"],"weight":100000}]`}, []string{"spec.placement.replicaScheduling.weights[0].weight"}},
		{"weight missing", validApp, map[string]string{"spec.placement.replicaScheduling.weights": `[{"clusterNames":["a"]}]`}, []string{"spec.placement.replicaScheduling.weights[0].weight", "Required"}},
		{"spread min above max", validApp, map[string]string{"spec.placement.spread": `{"minClusters":3,"maxClusters":2}`}, []string{"spec.placement.spread.minClusters", "must not exceed"}},
		{"spread negative", validApp, map[string]string{"spec.placement.spread": `{"minClusters":-1}`}, []string{"spec.placement.spread.minClusters"}},
		{"spread min above named clusters", validApp, map[string]string{"spec.placement.clusterNames": `["a"]`, "spec.placement.spread": `{"minClusters":2}`}, []string{"spec.placement.spread.minClusters", "clusterNames"}},
		{"duplicate cluster names", validApp, map[string]string{"spec.placement.clusterNames": `["a","a"]`}, []string{"spec.placement.clusterNames"}},
		{"cluster name too long", validApp, map[string]string{"spec.placement.clusterNames": `["` + strings.Repeat("a", 64) + `"]`}, []string{"spec.placement.clusterNames[0]"}},
		{"bad selector operator", validApp, map[string]string{"spec.placement.clusterSelector": `{"matchExpressions":[{"key":"a","operator":7}]}`}, []string{"spec.placement.clusterSelector.matchExpressions[0].operator"}},
		{"toleration bad operator", validApp, map[string]string{"spec.placement.tolerations": `[{"key":"a","operator":"Maybe"}]`}, []string{"spec.placement.tolerations[0].operator"}},
		{"toleration bad effect", validApp, map[string]string{"spec.placement.tolerations": `[{"key":"a","effect":"Evict"}]`}, []string{"spec.placement.tolerations[0].effect"}},
		{"override negative replicas", validApp, map[string]string{"spec.overrides": `[{"replicas":-2}]`}, []string{"spec.overrides[0].replicas"}},
		{"override empty image", validApp, map[string]string{"spec.overrides": `[{"image":{}}]`}, []string{"spec.overrides[0].image", "registry or tag"}},
		{"override patch bad op", validApp, map[string]string{"spec.overrides": `[{"jsonPatch":[{"op":"move","path":"/spec"}]}]`}, []string{"spec.overrides[0].jsonPatch[0].op"}},
		{"override patch bad path", validApp, map[string]string{"spec.overrides": `[{"jsonPatch":[{"op":"remove","path":"spec/replicas"}]}]`}, []string{"spec.overrides[0].jsonPatch[0].path"}},
		{"override env without list", validApp, map[string]string{"spec.overrides": `[{"env":[{"container":"web"}]}]`}, []string{"spec.overrides[0].env[0].env", "Required"}},
		{"override resources missing", validApp, map[string]string{"spec.overrides": `[{"resources":[{"container":"web"}]}]`}, []string{"spec.overrides[0].resources[0].resources", "Required"}},
		{"failover negative toleration", validApp, map[string]string{"spec.failover": `{"tolerationSeconds":-5}`}, []string{"spec.failover.tolerationSeconds"}},
		{"failover toleration too long", validApp, map[string]string{"spec.failover": `{"tolerationSeconds":100000}`}, []string{"spec.failover.tolerationSeconds"}},
		{"failover bad failback", validApp, map[string]string{"spec.failover": `{"failBack":"Sometimes"}`}, []string{"spec.failover.failBack"}},
		{"failover zero rate", validApp, map[string]string{"spec.failover": `{"maxEvictionsPerMinute":0}`}, []string{"spec.failover.maxEvictionsPerMinute"}},
		{"history limit negative", validApp, map[string]string{"spec.revisionHistoryLimit": `-1`}, []string{"spec.revisionHistoryLimit"}},
		{"history limit too big", validApp, map[string]string{"spec.revisionHistoryLimit": `1000`}, []string{"spec.revisionHistoryLimit"}},
		{"too many resources", validApp, map[string]string{"spec.resources": `[` + strings.Repeat(`{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c"}},`, 65) + deployment + `]`}, []string{"spec.resources"}},
		{"rollout metric without provider", validApp, map[string]string{"spec.rollout": `{"analysis":{"metrics":[{"name":"m","max":"1"}]}}`}, []string{"spec.rollout.analysis.metrics[0]", "exactly one provider"}},
		{"rollout metric with two providers", validApp, map[string]string{"spec.rollout": `{"analysis":{"metrics":[{"name":"m","kubernetes":{},"webhook":{"url":"http://x"}}]}}`}, []string{"exactly one provider"}},
		{"rollout prometheus without threshold", validApp, map[string]string{"spec.rollout": `{"analysis":{"metrics":[{"name":"m","prometheus":{"address":"http://p:9090","query":"up"}}]}}`}, []string{"needs a threshold"}},
		{"rollout bad threshold", validApp, map[string]string{"spec.rollout": `{"analysis":{"metrics":[{"name":"m","prometheus":{"address":"http://p:9090","query":"up"},"max":"five"}]}}`}, []string{"spec.rollout.analysis.metrics[0].max"}},
		{"rollout prometheus address not http", validApp, map[string]string{"spec.rollout": `{"analysis":{"metrics":[{"name":"m","prometheus":{"address":"p:9090","query":"up"},"max":"1"}]}}`}, []string{"spec.rollout.analysis.metrics[0].prometheus.address"}},
		{"rollout bad onEmpty", validApp, map[string]string{"spec.rollout": `{"analysis":{"metrics":[{"name":"m","kubernetes":{},"onEmpty":"Pass"}]}}`}, []string{"spec.rollout.analysis.metrics[0].onEmpty", "Inconclusive", "Fail"}},
		{"rollout bad onFailure", validApp, map[string]string{"spec.rollout": `{"analysis":{"onFailure":"Ignore","metrics":[{"name":"m","kubernetes":{}}]}}`}, []string{"spec.rollout.analysis.onFailure"}},
		{"rollout analysis without metrics", validApp, map[string]string{"spec.rollout": `{"analysis":{"metrics":[]}}`}, []string{"spec.rollout.analysis.metrics"}},
		{"rollout negative failure limit", validApp, map[string]string{"spec.rollout": `{"analysis":{"failureLimit":-1,"metrics":[{"name":"m","kubernetes":{}}]}}`}, []string{"spec.rollout.analysis.failureLimit"}},
		{"rollout batch without replicas", validApp, map[string]string{"spec.rollout": `{"batches":[{}]}`}, []string{"spec.rollout.batches[0].replicas", "Required"}},
		{"freeze with two signals", validFreeze, map[string]string{"spec.prometheus": `{"address":"http://p","query":"up","max":"1"}`}, []string{"at most one signal"}},
		{"freeze query without bound", validFreeze, map[string]string{"spec.podCreation": `null`, "spec.prometheus": `{"address":"http://p","query":"up"}`}, []string{"spec.prometheus", "max or min"}},
		{"freeze percent above 100", validFreeze, map[string]string{"spec.podCreation": `{"minSuccessPercent":120}`}, []string{"spec.podCreation.minSuccessPercent"}},
		{"autoscaler min above max", validAutoscaler, map[string]string{"spec.minReplicas": `5`, "spec.maxReplicas": `3`}, []string{"spec.minReplicas", "must not exceed"}},
		{"autoscaler without target", validAutoscaler, map[string]string{"spec.targetRef": `null`}, []string{"spec.targetRef", "Required"}},
		{"autoscaler zero max", validAutoscaler, map[string]string{"spec.maxReplicas": `0`}, []string{"spec.maxReplicas"}},
		{"autoscaler scale to zero on cpu only", validAutoscaler, map[string]string{"spec.minReplicas": `0`}, []string{"spec.minReplicas", "scale to zero"}},
		{"autoscaler metric without source", validAutoscaler, map[string]string{"spec.metrics": `[{"name":"m"}]`}, []string{"spec.metrics[0]", "exactly one source"}},
		{"autoscaler utilization zero", validAutoscaler, map[string]string{"spec.metrics": `[{"name":"cpu","resource":{"name":"cpu","targetAverageUtilization":0}}]`}, []string{"spec.metrics[0].resource.targetAverageUtilization"}},
		{"autoscaler unknown resource", validAutoscaler, map[string]string{"spec.metrics": `[{"name":"gpu","resource":{"name":"gpu","targetAverageUtilization":50}}]`}, []string{"spec.metrics[0].resource.name"}},
		{"autoscaler two targets", validAutoscaler, map[string]string{"spec.metrics": `[{"name":"q","prometheus":{"address":"http://p","query":"up","target":{"value":"1","averageValue":"2"}}}]`}, []string{"spec.metrics[0].prometheus.target", "exactly one target"}},
		{"autoscaler bad tolerance", validAutoscaler, map[string]string{"spec.behavior": `{"tolerance":"2"}`}, []string{"spec.behavior.tolerance"}},
		{"autoscaler bad policy", validAutoscaler, map[string]string{"spec.behavior": `{"scaleUp":{"policies":[{"type":"Replicas","value":1,"periodSeconds":15}]}}`}, []string{"spec.behavior.scaleUp.policies[0].type"}},
		{"autoscaler schedule without bounds", validAutoscaler, map[string]string{"spec.schedules": `[{"name":"s","schedule":"0 9 * * *","duration":"1h"}]`}, []string{"spec.schedules[0]", "minReplicas or maxReplicas"}},
		{"autoscaler schedule without duration", validAutoscaler, map[string]string{"spec.schedules": `[{"name":"s","schedule":"0 9 * * *","minReplicas":3}]`}, []string{"spec.schedules[0].duration", "Required"}},
		{"policy percentile above 100", validPolicy, map[string]string{"spec.containers": `[{"name":"*","targets":[{"resource":"cpu","field":"request","percentile":150}]}]`}, []string{"spec.containers[0].targets[0].percentile", "100"}},
		{"policy negative percentile", validPolicy, map[string]string{"spec.containers": `[{"name":"*","targets":[{"resource":"cpu","field":"request","percentile":-1}]}]`}, []string{"spec.containers[0].targets[0].percentile"}},
		{"policy unknown resource", validPolicy, map[string]string{"spec.containers": `[{"name":"*","targets":[{"resource":"gpu","field":"request","percentile":90}]}]`}, []string{"spec.containers[0].targets[0].resource"}},
		{"policy unknown field", validPolicy, map[string]string{"spec.containers": `[{"name":"*","targets":[{"resource":"cpu","field":"usage","percentile":90}]}]`}, []string{"spec.containers[0].targets[0].field"}},
		{"policy without targets", validPolicy, map[string]string{"spec.containers": `[{"name":"*","targets":[]}]`}, []string{"spec.containers[0].targets"}},
		{"policy bad mode", validPolicy, map[string]string{"spec.mode": `"Always"`}, []string{"spec.mode"}},
		{"policy targetRef and selector", validPolicy, map[string]string{"spec.selector": `{"matchLabels":{"tier":"web"}}`}, []string{"exactly one of spec.targetRef"}},
		{"policy no target", validPolicy, map[string]string{"spec.targetRef": `null`}, []string{"exactly one of spec.targetRef"}},
		{"policy burst threshold above 100", validPolicy, map[string]string{"spec.burst": `{"memoryThresholdPercent":120}`}, []string{"spec.burst.memoryThresholdPercent"}},
		{"cluster without secretRef", validCluster, map[string]string{"spec.secretRef": `null`}, []string{"spec.secretRef", "Required"}},
		{"cluster with empty secret name", validCluster, map[string]string{"spec.secretRef": `{"name":""}`}, []string{"spec.secretRef.name"}},
		{"cluster name not a DNS label", validCluster, map[string]string{"metadata.name": `"member.one"`}, []string{"metadata.name", "DNS label"}},
		{"cluster name too long", validCluster, map[string]string{"metadata.name": `"` + strings.Repeat("m", 64) + `"`}, []string{"metadata.name", "DNS label"}},
		{"cluster region too long", validCluster, map[string]string{"spec.region": `"` + strings.Repeat("r", 64) + `"`}, []string{"spec.region"}},
		{"cluster zone too long", validCluster, map[string]string{"spec.zone": `"` + strings.Repeat("z", 64) + `"`}, []string{"spec.zone"}},
		{"taint bad effect", validCluster, map[string]string{"spec.taints": `[{"key":"a","effect":"Evict"}]`}, []string{"spec.taints[0].effect"}},
		{"taint without key", validCluster, map[string]string{"spec.taints": `[{"effect":"NoSchedule"}]`}, []string{"spec.taints[0].key", "Required"}},
		{"taint without effect", validCluster, map[string]string{"spec.taints": `[{"key":"a"}]`}, []string{"spec.taints[0].effect", "Required"}},
		{"taint value too long", validCluster, map[string]string{"spec.taints": `[{"key":"a","value":"` + strings.Repeat("v", 64) + `","effect":"NoSchedule"}]`}, []string{"spec.taints[0].value"}},
	}
	ctx := context.Background()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			obj := mutate(t, tc.doc, tc.set)
			err := hub.Create(ctx, obj, client.DryRunAll)
			if err == nil {
				t.Fatalf("accepted an invalid object; want an error mentioning %q", tc.want)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error does not mention %q:\n%v", w, err)
				}
			}
		})
	}
}

func TestApplicationRevisionSpecIsImmutable(t *testing.T) {
	if testing.Short() {
		t.Skip("needs a real API server; run without -short")
	}
	ctx := context.Background()
	rev := mutate(t, `
apiVersion: flotilla.dev/v1alpha1
kind: ApplicationRevision
metadata: {name: web-1, namespace: default}
spec:
  revision: 1
  resources: [{apiVersion: v1, kind: ConfigMap, metadata: {name: c}}]
`, nil)
	if err := hub.Create(ctx, rev); err != nil {
		t.Fatal(err)
	}
	if err := unstructured.SetNestedField(rev.Object, int64(2), "spec", "revision"); err != nil {
		t.Fatal(err)
	}
	err := hub.Update(ctx, rev)
	if err == nil || !strings.Contains(err.Error(), "immutable") {
		t.Fatalf("updating a revision's spec: got %v, want an 'immutable' rejection", err)
	}
}

// TestAFirstAutoscalerStatusMayLeaveOutAZeroCount: the controller's first status write is a
// merge patch from an empty status, which leaves out a count that is 0 (an Application at zero
// replicas); the schema must accept it.
func TestAFirstAutoscalerStatusMayLeaveOutAZeroCount(t *testing.T) {
	if testing.Short() {
		t.Skip("needs a real API server; run without -short")
	}
	ctx := context.Background()
	fa := mutate(t, validAutoscaler, map[string]string{"metadata.name": `"first-status"`})
	if err := hub.Create(ctx, fa); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = hub.Delete(context.Background(), fa) })
	patch := client.RawPatch(types.MergePatchType, []byte(`{"status":{"desiredReplicas":2,"minReplicas":2,"maxReplicas":20}}`))
	if err := hub.Status().Patch(ctx, fa, patch); err != nil {
		t.Fatalf("a first status without currentReplicas was refused: %v", err)
	}
}
