// Package e2e holds the end-to-end tests: user journeys over a hub and member clusters of the
// local fleet, started once for the package by test/framework.
package e2e

import (
	"context"
	"errors"
	"fmt"
	"os"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	flotillav1alpha1 "flotilla.dev/flotilla/api/v1alpha1"
	"flotilla.dev/flotilla/config"
	"flotilla.dev/flotilla/internal/devfleet"
	"flotilla.dev/flotilla/test/framework"
)

func TestMain(m *testing.M) {
	os.Exit(framework.Main(m, framework.Options{Members: 3, AfterUp: framework.StartHub(framework.HubOptions{})}))
}

// namespace creates a namespace for one test in cl and deletes it at the end.
func namespace(t *testing.T, cl client.Client) string {
	t.Helper()
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: "e2e-"}}
	if err := cl.Create(context.Background(), ns); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cl.Delete(context.Background(), ns) })
	return ns.Name
}

func TestEveryMemberHasReadyNodesWithItsCapacityAndTopology(t *testing.T) {
	f := framework.Fleet(t)
	for _, m := range f.Members {
		t.Run(m.Name, func(t *testing.T) {
			nodes := &corev1.NodeList{}
			if err := framework.MemberClient(t, m.Name).List(context.Background(), nodes); err != nil {
				t.Fatal(err)
			}
			if len(nodes.Items) != len(m.Nodes) {
				t.Fatalf("%d nodes, want %d", len(nodes.Items), len(m.Nodes))
			}
			want := map[string]devfleet.NodeSpec{}
			for _, n := range m.Nodes {
				want[n.Name] = n
			}
			for _, node := range nodes.Items {
				checkNode(t, m, node, want[node.Name])
			}
		})
	}
	if f.Members[0].Nodes[0].CPU == f.Members[1].Nodes[0].CPU {
		t.Errorf("member-1 and member-2 nodes have the same CPU: capacities should differ")
	}
}

func checkNode(t *testing.T, m devfleet.Cluster, node corev1.Node, spec devfleet.NodeSpec) {
	t.Helper()
	if spec.Name == "" {
		t.Errorf("unexpected node %s", node.Name)
		return
	}
	if got := node.Labels[corev1.LabelTopologyRegion]; got != m.Region {
		t.Errorf("%s region %q, want %q", node.Name, got, m.Region)
	}
	if got := node.Labels[corev1.LabelTopologyZone]; got != spec.Zone {
		t.Errorf("%s zone %q, want %q", node.Name, got, spec.Zone)
	}
	for name, want := range map[corev1.ResourceName]string{corev1.ResourceCPU: spec.CPU, corev1.ResourceMemory: spec.Memory, corev1.ResourcePods: spec.Pods} {
		got := node.Status.Allocatable[name]
		if got.Cmp(resource.MustParse(want)) != 0 {
			t.Errorf("%s allocatable %s = %s, want %s", node.Name, name, got.String(), want)
		}
	}
	ready := false
	for _, c := range node.Status.Conditions {
		ready = ready || (c.Type == corev1.NodeReady && c.Status == corev1.ConditionTrue)
	}
	if !ready {
		t.Errorf("%s is not Ready: %+v", node.Name, node.Status.Conditions)
	}
}

func TestHubServesFlotillaCRDs(t *testing.T) {
	framework.Fleet(t)
	s := runtime.NewScheme()
	if err := apiextensionsv1.AddToScheme(s); err != nil {
		t.Fatal(err)
	}
	cl, err := client.New(framework.RESTConfig(t, devfleet.RoleHub), client.Options{Scheme: s})
	if err != nil {
		t.Fatal(err)
	}
	crds, err := config.CRDs()
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range crds {
		got := &apiextensionsv1.CustomResourceDefinition{}
		if err := cl.Get(context.Background(), client.ObjectKey{Name: want.Name}, got); err != nil {
			t.Fatalf("CRD %s: %v", want.Name, err)
		}
		established := false
		for _, c := range got.Status.Conditions {
			established = established || (c.Type == apiextensionsv1.Established && c.Status == apiextensionsv1.ConditionTrue)
		}
		if !established {
			t.Errorf("CRD %s is not Established", want.Name)
		}
	}
	if err := framework.HubClient(t).List(context.Background(), &flotillav1alpha1.MemberClusterList{}); err != nil {
		t.Errorf("the hub does not serve MemberClusters: %v", err)
	}
}

func TestDeploymentOnAMemberRunsOnSimulatedNodes(t *testing.T) {
	const member = "member-2"
	cl := framework.MemberClient(t, member)
	ns := namespace(t, cl)
	labels := map[string]string{"app": "web"}
	dep := &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: ns},
		Spec: appsv1.DeploymentSpec{
			Replicas: ptr.To[int32](4),
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec: corev1.PodSpec{Containers: []corev1.Container{{
					Name: "web", Image: "example.com/web:1",
					Resources: corev1.ResourceRequirements{Requests: corev1.ResourceList{
						corev1.ResourceCPU: resource.MustParse("100m"), corev1.ResourceMemory: resource.MustParse("64Mi"),
					}},
				}}},
			},
		},
	}
	if err := cl.Create(context.Background(), dep); err != nil {
		t.Fatal(err)
	}
	nodes := map[string]bool{}
	c, _ := framework.Fleet(t).Cluster(member)
	for _, n := range c.Nodes {
		nodes[n.Name] = true
	}
	framework.Eventually(t, time.Minute, func() error {
		pods := &corev1.PodList{}
		if err := cl.List(context.Background(), pods, client.InNamespace(ns), client.MatchingLabels(labels)); err != nil {
			return err
		}
		running := 0
		for _, p := range pods.Items {
			if p.Status.Phase == corev1.PodRunning && nodes[p.Spec.NodeName] && p.Status.PodIP != "" && podReady(p) {
				running++
			}
		}
		if running != 4 {
			return fmt.Errorf("%d of 4 pods Running and Ready on %s's nodes", running, member)
		}
		got := &appsv1.Deployment{}
		if err := cl.Get(context.Background(), client.ObjectKeyFromObject(dep), got); err != nil {
			return err
		}
		if got.Status.ReadyReplicas != 4 {
			return fmt.Errorf("deployment reports %d ready replicas", got.Status.ReadyReplicas)
		}
		return nil
	})
}

func podReady(p corev1.Pod) bool {
	for _, c := range p.Status.Conditions {
		if c.Type == corev1.PodReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

func TestAMemberAPIServerStopsAndComesBackWithItsData(t *testing.T) {
	const member = "member-3"
	f := framework.Fleet(t)
	cl := framework.MemberClient(t, member)
	ns := namespace(t, cl)
	cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "before", Namespace: ns}, Data: map[string]string{"k": "v"}}
	if err := cl.Create(context.Background(), cm); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := f.StopComponent(ctx, member, devfleet.ComponentAPIServer); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = f.StartComponent(context.Background(), member, devfleet.ComponentAPIServer) })

	if err := cl.Get(ctx, client.ObjectKeyFromObject(cm), &corev1.ConfigMap{}); err == nil {
		t.Fatal("the member's API server still answers after StopComponent")
	}
	if err := f.Healthy(ctx); err == nil {
		t.Fatal("the fleet reports healthy with a stopped API server")
	}
	if err := f.StartComponent(ctx, member, devfleet.ComponentAPIServer); err != nil {
		t.Fatal(err)
	}
	// The same kubeconfig reaches it again: same port, same certificates, same etcd data.
	got := &corev1.ConfigMap{}
	if err := cl.Get(ctx, client.ObjectKeyFromObject(cm), got); err != nil {
		t.Fatalf("after restart: %v", err)
	}
	if got.Data["k"] != "v" {
		t.Fatalf("after restart the ConfigMap holds %v", got.Data)
	}
	if err := f.Healthy(ctx); err != nil {
		t.Fatalf("fleet not healthy after the restart: %v", err)
	}
	// Leave the member as the next tests expect it: Ready in the hub and running new pods.
	waitMemberReady(t, member)
	waitMemberRunsNewPods(t, member)
}

func TestStatusNamesEveryProcess(t *testing.T) {
	f := framework.Fleet(t)
	sts := f.Status(context.Background())
	want := len(f.Hub.Components)
	for _, m := range f.Members {
		want += len(m.Components)
	}
	if perMember := len(f.Members[0].Components); perMember != 6 {
		t.Errorf("a member runs %d processes, want 6 (etcd, apiserver, controller-manager, scheduler, kwok, metrics-server)", perMember)
	}
	if len(sts) != want {
		t.Fatalf("%d processes, want %d", len(sts), want)
	}
	var errs []error
	for _, st := range sts {
		if st.PID == 0 || st.Port == 0 || st.LogPath == "" {
			errs = append(errs, fmt.Errorf("%s %s: %+v", st.Cluster, st.Component, st))
		}
	}
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
}
