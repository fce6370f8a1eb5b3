module example.com/scheduler

go 1.21

require (
	github.com/twmb/franz-go v1.17.1
	google.golang.org/protobuf v1.34.2
)
