package calendar_test

import (
	"fmt"
	"time"
	_ "time/tzdata"

	"github.com/iso20k/sms/calendar"
)

// Business hours with a lunch break and a holiday: when is an eight-hour
// resolution target due for an incident logged on Thursday afternoon
// before Christmas?
func Example() {
	spec := calendar.Spec{Name: "berlin-office", Version: 1, Zone: "Europe/Berlin",
		Holidays: []calendar.Date{{Year: 2026, Month: time.December, Day: 25}}}
	for wd := time.Monday; wd <= time.Friday; wd++ {
		spec.Week[wd] = []calendar.Window{
			{Start: calendar.At(9, 0), End: calendar.At(12, 0)},
			{Start: calendar.At(13, 0), End: calendar.At(17, 0)},
		}
	}
	cal, err := calendar.New(spec)
	if err != nil {
		fmt.Println(err)
		return
	}
	// 1 h 30 on Thursday, none on the holiday or the weekend, 3 h on
	// Monday morning, 3 h 30 after lunch.
	logged := time.Date(2026, 12, 24, 15, 30, 0, 0, cal.Location())
	due, _ := cal.Add(logged, 8*time.Hour)
	fmt.Println("due:", due.Format("Mon 2 Jan 15:04 MST"))
	fmt.Println("working time until then:", cal.Between(logged, due))
	fmt.Println("wall-clock time until then:", due.Sub(logged))
	// Output:
	// due: Mon 28 Dec 16:30 CET
	// working time until then: 8h0m0s
	// wall-clock time until then: 97h0m0s
}
