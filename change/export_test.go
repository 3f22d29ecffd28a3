package change

import "github.com/iso20k/sms"

// The conformance checks of the three populations, under the default
// policy, for the process kit's catalogue test (smstest.CitedBy): a
// change's check for its transition plan finds none here.

func ChangeChecks() []sms.Check[*Change]       { return changeChecks(&Policy{}, nil) }
func PlanChecks() []sms.Check[*TransitionPlan] { return planChecks(nil) }
func TemplateChecks() []sms.Check[*Template]   { return templateChecks(&Policy{}) }
