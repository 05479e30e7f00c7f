package scheduling

// Schedule places the workload with the default plugins (see DefaultPlugins). It is pure: the
// same Input always gives the same Decision. An error means the Input is invalid (it names the
// field); an Input that is valid but cannot be placed gives a Decision with Unschedulable set.
func Schedule(in Input) (Decision, error) {
	s, err := New(DefaultRegistry(), DefaultPlugins())
	if err != nil {
		return Decision{}, err
	}
	return s.Schedule(in)
}
