package release

import "github.com/iso20k/sms"

// Checks returns the conformance checks under the default policy, for the
// process kit's catalogue test (smstest.CitedBy).
func Checks() []sms.Check[*Release] { return checks(&Policy{}) }
