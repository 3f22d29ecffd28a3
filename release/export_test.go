package release

// ConformanceCites returns the IDs of the requirements the conformance
// checks and the sweep cite, beside the workflow's own citations: what the
// process kit's catalogue test counts with them.
func ConformanceCites() []string {
	var out []string
	for _, c := range checks(&Policy{}) {
		out = append(out, c.Cites...)
	}
	return append(out, "REL-10") // the sweep: an analysis overdue
}
