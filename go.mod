module github.com/iso20k/sms

go 1.26

require (
	github.com/google/uuid v1.6.0
	github.com/looplab/fsm v1.0.3
)
