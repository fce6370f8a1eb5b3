// A platform scheduler's side of cellscan, in Go: publish a ScanRequest to
// scan-requests (key = client_id) and read ScanReports from scan-results.
//
//	protoc -I ../../../proto --go_out=. \
//	  --go_opt=module=example.com/scheduler \
//	  --go_opt=Mcellscan.proto=example.com/scheduler/gen/cellscanv1 \
//	  ../../../proto/cellscan.proto
//	go mod tidy
//	KAFKA_BROKERS=b-1.example:9096 KAFKA_USERNAME=u KAFKA_PASSWORD=p go run . publish acme policy.json
//	KAFKA_BROKERS=... go run . consume reporting
package main

import (
	"context"
	"crypto/tls"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/sasl/scram"
	"google.golang.org/protobuf/proto"

	cellscanv1 "example.com/scheduler/gen/cellscanv1"
)

const topicPrefix = "cellscan."

func client(opts ...kgo.Opt) (*kgo.Client, error) {
	opts = append(opts, kgo.SeedBrokers(strings.Split(os.Getenv("KAFKA_BROKERS"), ",")...))
	if user := os.Getenv("KAFKA_USERNAME"); user != "" {
		opts = append(opts,
			kgo.DialTLSConfig(&tls.Config{MinVersion: tls.VersionTLS12}),
			kgo.SASL(scram.Auth{User: user, Pass: os.Getenv("KAFKA_PASSWORD")}.AsSha512Mechanism()))
	}
	return kgo.NewClient(opts...)
}

// publish sends tonight's scan of the whole organization for one client. The
// scan id is derived from the schedule slot, so a retried publish starts one
// scan only.
func publish(clientID, policyFile string) error {
	policy, err := os.ReadFile(policyFile)
	if err != nil {
		return err
	}
	slot := time.Now().UTC().Truncate(24 * time.Hour)
	req := &cellscanv1.ScanRequest{
		SchemaVersion: uint32(cellscanv1.SchemaVersion_SCHEMA_VERSION_CURRENT),
		ClientId:      clientID,
		ScanId:        clientID + ".nightly." + slot.Format("20060102T1504"),
		RequestedAtMs: time.Now().UnixMilli(),
		Plan:          "professional",
		Scope: &cellscanv1.ScanScope{
			Target:        &cellscanv1.ScanScope_Organization{Organization: &cellscanv1.OrgDiscovery{}},
			Categories:    []string{"ec2", "s3", "rds", "lambda", "ecs", "eks", "tagging"},
			Regions:       []string{"us-east-1", "eu-west-1"},
			TagPolicyJson: string(policy),
		},
	}
	value, err := proto.Marshal(req)
	if err != nil {
		return err
	}
	cl, err := client() // franz-go producers are idempotent by default
	if err != nil {
		return err
	}
	defer cl.Close()
	rec := &kgo.Record{Topic: topicPrefix + "scan-requests", Key: []byte(clientID), Value: value}
	if err := cl.ProduceSync(context.Background(), rec).FirstErr(); err != nil {
		return err
	}
	fmt.Println(req.ScanId)
	return nil
}

// consume prints every ScanReport; a real consumer upserts it by scan_id
// (delivery is at least once) and then commits.
func consume(group string) error {
	cl, err := client(kgo.ConsumerGroup(group), kgo.ConsumeTopics(topicPrefix+"scan-results"),
		kgo.DisableAutoCommit())
	if err != nil {
		return err
	}
	defer cl.Close()
	ctx := context.Background()
	for {
		fetches := cl.PollFetches(ctx)
		if errs := fetches.Errors(); len(errs) > 0 {
			return errs[0].Err
		}
		var failed error
		fetches.EachRecord(func(r *kgo.Record) {
			var report cellscanv1.ScanReport
			if err := proto.Unmarshal(r.Value, &report); err != nil {
				failed = err
				return
			}
			fmt.Printf("%s %s %s score=%.4f coverage=%.4f\n", report.ClientId, report.ScanId,
				report.Status, report.GetOverall().GetScore(), report.GetOverall().GetCoverage())
		})
		if failed != nil {
			return failed
		}
		if err := cl.CommitUncommittedOffsets(ctx); err != nil {
			return err
		}
	}
}

func main() {
	var err error
	switch {
	case len(os.Args) == 4 && os.Args[1] == "publish":
		err = publish(os.Args[2], os.Args[3])
	case len(os.Args) == 3 && os.Args[1] == "consume":
		err = consume(os.Args[2])
	default:
		err = fmt.Errorf("usage: %s publish CLIENT_ID POLICY_FILE | consume GROUP", os.Args[0])
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
