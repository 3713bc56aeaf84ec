package cluster

import (
	"reflect"
	"sort"
	"testing"
)

// step is one Add or Remove and the Change it must produce.
type step struct {
	add     bool
	subject string
	queue   string
	want    Change
}

func TestInterest(t *testing.T) {
	tests := []struct {
		name  string
		steps []step
	}{
		{name: "plain subject announced once, withdrawn with the last", steps: []step{
			{add: true, subject: "foo", want: Change{Op: OpSub}},
			{add: true, subject: "foo", want: Change{}},
			{subject: "foo", want: Change{}},
			{subject: "foo", want: Change{Op: OpUnsub}},
		}},
		{name: "queue weight follows every change", steps: []step{
			{add: true, subject: "foo", queue: "q", want: Change{Op: OpSub, Weight: 1}},
			{add: true, subject: "foo", queue: "q", want: Change{Op: OpSub, Weight: 2}},
			{add: true, subject: "foo", queue: "q", want: Change{Op: OpSub, Weight: 3}},
			{subject: "foo", queue: "q", want: Change{Op: OpSub, Weight: 2}},
			{subject: "foo", queue: "q", want: Change{Op: OpSub, Weight: 1}},
			{subject: "foo", queue: "q", want: Change{Op: OpUnsub}},
		}},
		{name: "plain and queue on one subject are separate", steps: []step{
			{add: true, subject: "foo", want: Change{Op: OpSub}},
			{add: true, subject: "foo", queue: "q", want: Change{Op: OpSub, Weight: 1}},
			{subject: "foo", want: Change{Op: OpUnsub}},
			{subject: "foo", queue: "q", want: Change{Op: OpUnsub}},
		}},
		{name: "two groups on one subject", steps: []step{
			{add: true, subject: "foo", queue: "a", want: Change{Op: OpSub, Weight: 1}},
			{add: true, subject: "foo", queue: "b", want: Change{Op: OpSub, Weight: 1}},
			{subject: "foo", queue: "a", want: Change{Op: OpUnsub}},
		}},
		{name: "removing the unknown changes nothing", steps: []step{
			{subject: "foo", want: Change{}},
			{subject: "foo", queue: "q", want: Change{}},
			{add: true, subject: "foo", want: Change{Op: OpSub}},
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var in Interest
			for i, s := range tc.steps {
				var got Change
				if s.add {
					got = in.Add(s.subject, s.queue)
				} else {
					got = in.Remove(s.subject, s.queue)
				}
				if got != s.want {
					t.Fatalf("step %d (%+v): got %+v, want %+v", i, s, got, s.want)
				}
			}
		})
	}
}

func TestInterestForEachAndWeight(t *testing.T) {
	var in Interest
	in.Add("a", "")
	in.Add("a", "")
	in.Add("b", "q")
	in.Add("b", "q")
	in.Add("b", "q")
	in.Add("c", "")
	in.Remove("c", "")
	type entry struct {
		subject, queue string
		weight         int32
	}
	var got []entry
	in.ForEach(func(subject, queue string, weight int32) {
		got = append(got, entry{subject: subject, queue: queue, weight: weight})
	})
	sort.Slice(got, func(i, j int) bool { return got[i].subject < got[j].subject })
	want := []entry{{subject: "a"}, {subject: "b", queue: "q", weight: 3}}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("ForEach: got %+v, want %+v", got, want)
	}
	if in.Len() != 2 || in.Weight("a", "") != 2 || in.Weight("b", "q") != 3 || in.Weight("c", "") != 0 {
		t.Fatalf("Len %d, weights %d %d %d", in.Len(), in.Weight("a", ""), in.Weight("b", "q"), in.Weight("c", ""))
	}
}
