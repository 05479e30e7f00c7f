package devup

import (
	"reflect"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	flotillav1alpha1 "flotilla.dev/flotilla/api/v1alpha1"
)

func member(name string, ready metav1.ConditionStatus) flotillav1alpha1.MemberCluster {
	mc := flotillav1alpha1.MemberCluster{}
	mc.Name = name
	mc.Status.Conditions = []metav1.Condition{{Type: flotillav1alpha1.ConditionReady, Status: ready}}
	return mc
}

func TestNotReady(t *testing.T) {
	cases := []struct {
		name string
		want []string
		have []flotillav1alpha1.MemberCluster
		out  []string
	}{
		{"all ready", []string{"a", "b"}, []flotillav1alpha1.MemberCluster{member("a", "True"), member("b", "True")}, nil},
		{"one missing", []string{"a", "b"}, []flotillav1alpha1.MemberCluster{member("a", "True")}, []string{"b"}},
		{"one not ready, sorted", []string{"c", "a", "b"}, []flotillav1alpha1.MemberCluster{member("a", "False"), member("b", "True")}, []string{"a", "c"}},
		{"unknown counts as not ready", []string{"a"}, []flotillav1alpha1.MemberCluster{member("a", "Unknown")}, []string{"a"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := notReady(tc.want, tc.have); !reflect.DeepEqual(got, tc.out) {
				t.Errorf("notReady = %v, want %v", got, tc.out)
			}
		})
	}
}
