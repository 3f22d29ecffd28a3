package change

// ConformanceCites returns the IDs of the requirements the conformance
// checks and the sweeps cite, beside the workflows' own citations: what
// the process kit's catalogue test counts with them.
func ConformanceCites() []string {
	var out []string
	for _, c := range changeChecks(&Policy{}, nil) {
		out = append(out, c.Cites...)
	}
	for _, c := range planChecks(nil) {
		out = append(out, c.Cites...)
	}
	for _, c := range templateChecks(&Policy{}) {
		out = append(out, c.Cites...)
	}
	// The sweeps: an emergency change's record overdue (CHG-17); a
	// template's review overdue, and a template not suspended after a
	// failed instance (CHG-18); a controlled configuration item changed
	// without an authorized change (CHG-16, UnauthorizedChanges); the
	// change-trend review overdue, which the review register's sweep
	// reports with this package's code and requirement (CHG-14,
	// TrendRequirement).
	return append(out, "CHG-14", "CHG-16", "CHG-17", "CHG-18")
}
