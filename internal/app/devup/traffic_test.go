package devup

import (
	"reflect"
	"testing"

	"flotilla.dev/flotilla/internal/devfleet"
)

func TestScrapeTargets(t *testing.T) {
	hub := devfleet.Cluster{Components: []devfleet.Component{
		{Name: devfleet.ComponentAPIServer, Ports: []int{20000}},
		{Name: ControllerComponent, Ports: []int{20001, 20002, 20003}},
		{Name: devfleet.ComponentPrometheus, Ports: []int{20004}},
		{Name: TrafficComponent, Ports: []int{20005, 20006}},
	}}
	want := []devfleet.ScrapeTarget{{Job: JobTraffic, Address: "127.0.0.1:20006"}, {Job: JobController, Address: "127.0.0.1:20002"}}
	if got := ScrapeTargets(hub); !reflect.DeepEqual(got, want) {
		t.Errorf("ScrapeTargets = %+v, want %+v", got, want)
	}
	if got := ScrapeTargets(devfleet.Cluster{}); got != nil {
		t.Errorf("a hub without Flotilla's processes: %+v, want none", got)
	}
}
