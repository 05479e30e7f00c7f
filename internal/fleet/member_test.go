package fleet_test

import (
	"context"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
)

// member is a member cluster for the tests: a real API server, an admin client, and an
// admin kubeconfig (client certificate) whose server can be redirected.
type member struct {
	env   *envtest.Environment
	cfg   *rest.Config
	admin client.Client
	user  *envtest.AuthenticatedUser
}

func startMember(t *testing.T) *member {
	t.Helper()
	env, cfg := startEnv(t, false)
	user, err := env.AddUser(envtest.User{Name: "flotilla-hub", Groups: []string{"system:masters"}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return &member{env: env, cfg: cfg, admin: hubClient(t, cfg), user: user}
}

// kubeconfig returns the member's admin kubeconfig, pointed at server when not empty.
func (m *member) kubeconfig(t *testing.T, server string) []byte {
	t.Helper()
	raw, err := m.user.KubeConfig()
	if err != nil {
		t.Fatal(err)
	}
	if server == "" {
		return raw
	}
	cfg, err := clientcmd.Load(raw)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cfg.Clusters {
		c.Server = server
	}
	out, err := clientcmd.Write(*cfg)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// addNode creates a node with the given allocatable CPU (cores) and Ready status.
func (m *member) addNode(ctx context.Context, t *testing.T, name string, cpu string, ready bool) {
	t.Helper()
	n := &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: name}}
	if err := m.admin.Create(ctx, n); err != nil {
		t.Fatal(err)
	}
	status := corev1.ConditionFalse
	if ready {
		status = corev1.ConditionTrue
	}
	res := corev1.ResourceList{
		corev1.ResourceCPU: resource.MustParse(cpu), corev1.ResourceMemory: resource.MustParse("8Gi"),
		corev1.ResourcePods: resource.MustParse("110"),
	}
	n.Status = corev1.NodeStatus{
		Capacity: res, Allocatable: res,
		Conditions: []corev1.NodeCondition{{Type: corev1.NodeReady, Status: status, Reason: "Test",
			LastHeartbeatTime: metav1.Now(), LastTransitionTime: metav1.Now()}},
	}
	if err := m.admin.Status().Update(ctx, n); err != nil {
		t.Fatal(err)
	}
}

// addPod binds a running pod requesting cpu to node.
func (m *member) addPod(ctx context.Context, t *testing.T, name, node, cpu string) {
	t.Helper()
	p := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: name},
		Spec: corev1.PodSpec{NodeName: node, Containers: []corev1.Container{{
			Name: "app", Image: "example.com/app:1",
			Resources: corev1.ResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse(cpu)}},
		}}},
	}
	if err := m.admin.Create(ctx, p); err != nil {
		t.Fatal(err)
	}
	p.Status.Phase = corev1.PodRunning
	if err := m.admin.Status().Update(ctx, p); err != nil {
		t.Fatal(err)
	}
}
