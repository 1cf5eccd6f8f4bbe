// Sarama's transactional producer (github.com/IBM/sarama, pinned in ../go.mod) against Kafka Lite.
// Usage: txn <bootstrap> <topic>
//
// Creates <topic> (1 partition) through the admin client, then one SyncProducer with Producer.Transaction.ID
// commits a transaction of "a", "b", aborts one of "x" and commits one of "c". Two partition consumers then read
// the partition from the oldest offset, one with Consumer.IsolationLevel ReadCommitted and one ReadUncommitted,
// until nothing more arrives for a second. Prints one JSON object {committed, uncommitted} of [offset, value]
// pairs on stdout; any error exits non-zero with the message on stderr.
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"time"

	"github.com/IBM/sarama"
)

func fail(what string, err error) {
	fmt.Fprintf(os.Stderr, "%s: %v\n", what, err)
	os.Exit(1)
}

func config() *sarama.Config {
	cfg := sarama.NewConfig()
	cfg.ClientID = "sarama-txn-compat"
	cfg.Version = sarama.V2_0_0_0
	return cfg
}

func read(brokers []string, topic string, level sarama.IsolationLevel) [][2]any {
	cfg := config()
	cfg.Consumer.IsolationLevel = level
	c, err := sarama.NewConsumer(brokers, cfg)
	if err != nil {
		fail("consumer", err)
	}
	defer c.Close()
	pc, err := c.ConsumePartition(topic, 0, sarama.OffsetOldest)
	if err != nil {
		fail("consume partition", err)
	}
	defer pc.Close()
	out := [][2]any{}
	for {
		select {
		case m := <-pc.Messages():
			out = append(out, [2]any{m.Offset, string(m.Value)})
		case e := <-pc.Errors():
			fail("consume", e)
		case <-time.After(time.Second):
			return out
		}
	}
}

func main() {
	bootstrap, topic := os.Args[1], os.Args[2]
	brokers := []string{bootstrap}

	admin, err := sarama.NewClusterAdmin(brokers, config())
	if err != nil {
		fail("admin", err)
	}
	if err := admin.CreateTopic(topic, &sarama.TopicDetail{NumPartitions: 1, ReplicationFactor: 1}, false); err != nil {
		fail("create topic", err)
	}
	admin.Close()

	cfg := config()
	cfg.Producer.RequiredAcks = sarama.WaitForAll
	cfg.Producer.Return.Successes = true
	cfg.Producer.Idempotent = true
	cfg.Producer.Transaction.ID = "sarama-txn-" + topic
	cfg.Net.MaxOpenRequests = 1
	p, err := sarama.NewSyncProducer(brokers, cfg)
	if err != nil {
		fail("transactional producer", err)
	}
	txn := func(values []string, commit bool) {
		if err := p.BeginTxn(); err != nil {
			fail("BeginTxn", err)
		}
		for _, v := range values {
			if _, _, err := p.SendMessage(&sarama.ProducerMessage{Topic: topic, Value: sarama.StringEncoder(v)}); err != nil {
				fail("send "+v, err)
			}
		}
		if commit {
			err = p.CommitTxn()
		} else {
			err = p.AbortTxn()
		}
		if err != nil {
			fail("end transaction", err)
		}
	}
	txn([]string{"a", "b"}, true)
	txn([]string{"x"}, false)
	txn([]string{"c"}, true)
	if err := p.Close(); err != nil {
		fail("close producer", err)
	}

	out := map[string]any{
		"committed":   read(brokers, topic, sarama.ReadCommitted),
		"uncommitted": read(brokers, topic, sarama.ReadUncommitted),
	}
	b, _ := json.Marshal(out)
	fmt.Println(string(b))
}
