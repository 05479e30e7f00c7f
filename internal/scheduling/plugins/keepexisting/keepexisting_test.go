package keepexisting

import (
	"testing"

	"flotilla.dev/flotilla/internal/scheduling/framework"
)

func TestScore(t *testing.T) {
	w := &framework.Workload{Previous: map[string]int32{"held": 3, "zero": 0}}
	tests := []struct {
		args    any
		cluster string
		want    int64
	}{
		{nil, "held", 100},
		{nil, "zero", 100},
		{nil, "new", 0},
		{Args{Bonus: 30}, "held", 30},
		{&Args{Bonus: 30}, "new", 0},
	}
	for _, tt := range tests {
		p, err := New(tt.args)
		if err != nil {
			t.Fatal(err)
		}
		if got := p.(framework.ScorePlugin).Score(nil, w, &framework.Cluster{Name: tt.cluster}); got != tt.want {
			t.Errorf("args %+v, cluster %s: Score = %d, want %d", tt.args, tt.cluster, got, tt.want)
		}
	}
}

func TestNewValidatesArgs(t *testing.T) {
	for _, args := range []any{Args{Bonus: -1}, Args{Bonus: 101}, "x"} {
		if _, err := New(args); err == nil {
			t.Errorf("New(%#v) accepted bad arguments", args)
		}
	}
}
