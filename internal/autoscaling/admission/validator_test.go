package admission

import (
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	flotillav1alpha1 "flotilla.dev/flotilla/api/v1alpha1"
)

func TestBadSchedulesAreRefusedNamingTheField(t *testing.T) {
	hour := metav1.Duration{Duration: time.Hour}
	fa := &flotillav1alpha1.FleetAutoscaler{Spec: flotillav1alpha1.FleetAutoscalerSpec{MaxReplicas: 10, Schedules: []flotillav1alpha1.ScalingSchedule{
		{Name: "ok", Schedule: "30 19 * * *", TimeZone: "Asia/Shanghai", Duration: hour, MinReplicas: ptr.To(int32(5))},
		{Name: "cron", Schedule: "at dawn", Duration: hour, MinReplicas: ptr.To(int32(5))},
		{Name: "zone", Schedule: "0 9 * * 1-5", TimeZone: "Asia/Atlantis", Duration: hour, MinReplicas: ptr.To(int32(5))},
		{Name: "inverted", Schedule: "0 9 * * *", Duration: hour, MinReplicas: ptr.To(int32(8)), MaxReplicas: ptr.To(int32(4))},
	}}}
	err := Validate(fa)
	if err == nil {
		t.Fatal("accepted bad schedules")
	}
	for _, want := range []string{"spec.schedules[1]", "5-field cron", "spec.schedules[2]", "IANA time zone", "spec.schedules[3].minReplicas"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
	if strings.Contains(err.Error(), "spec.schedules[0]") {
		t.Errorf("the good schedule was refused: %v", err)
	}
	fa.Spec.Schedules = fa.Spec.Schedules[:1]
	if err := Validate(fa); err != nil {
		t.Fatalf("a valid autoscaler was refused: %v", err)
	}
}
