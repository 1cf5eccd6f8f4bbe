// Sarama (github.com/IBM/sarama, the Go client pinned in go.mod, written independently of kafkajs and
// librdkafka) against Kafka Lite. Usage: sarama_roundtrip <bootstrap> <topic> <group> <count>
//
// Creates <topic> with 2 partitions through the admin client, sends <count> keyed records with headers through
// an idempotent, snappy-compressing SyncProducer (acks=all), reads them all back with a consumer group,
// closes the group (which commits), then reads the committed offsets and the group description back through the
// admin client. Prints one JSON object on stdout; any error exits non-zero with the message on stderr.
package main

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"sync"
	"time"

	"github.com/IBM/sarama"
)

type rec struct {
	Partition int32       `json:"partition"`
	Offset    int64       `json:"offset"`
	Key       string      `json:"key"`
	Value     string      `json:"value"`
	Headers   [][2]string `json:"headers"`
}

type handler struct {
	mu       sync.Mutex
	want     int
	got      []rec
	claims   [][]int32
	done     chan struct{}
	doneOnce sync.Once
}

func (h *handler) Setup(s sarama.ConsumerGroupSession) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, ps := range s.Claims() {
		h.claims = append(h.claims, ps)
	}
	return nil
}

func (h *handler) Cleanup(sarama.ConsumerGroupSession) error { return nil }

func (h *handler) ConsumeClaim(s sarama.ConsumerGroupSession, c sarama.ConsumerGroupClaim) error {
	for m := range c.Messages() {
		hs := [][2]string{}
		for _, x := range m.Headers {
			hs = append(hs, [2]string{string(x.Key), hex.EncodeToString(x.Value)})
		}
		h.mu.Lock()
		h.got = append(h.got, rec{m.Partition, m.Offset, hex.EncodeToString(m.Key), hex.EncodeToString(m.Value), hs})
		n := len(h.got)
		h.mu.Unlock()
		s.MarkMessage(m, "")
		if n >= h.want {
			h.doneOnce.Do(func() { close(h.done) })
		}
	}
	return nil
}

func fail(what string, err error) {
	fmt.Fprintf(os.Stderr, "%s: %v\n", what, err)
	os.Exit(1)
}

func main() {
	bootstrap, topic, group := os.Args[1], os.Args[2], os.Args[3]
	count, _ := strconv.Atoi(os.Args[4])
	brokers := []string{bootstrap}

	cfg := sarama.NewConfig()
	cfg.ClientID = "sarama-compat"
	cfg.Version = sarama.V2_0_0_0
	cfg.Producer.RequiredAcks = sarama.WaitForAll
	cfg.Producer.Return.Successes = true
	cfg.Producer.Idempotent = true
	cfg.Producer.Compression = sarama.CompressionSnappy
	cfg.Producer.Partitioner = sarama.NewManualPartitioner
	cfg.Net.MaxOpenRequests = 1
	cfg.Consumer.Offsets.Initial = sarama.OffsetOldest
	cfg.Consumer.Offsets.CommitInterval = 100 * time.Millisecond

	admin, err := sarama.NewClusterAdmin(brokers, cfg)
	if err != nil {
		fail("admin", err)
	}
	if err := admin.CreateTopic(topic, &sarama.TopicDetail{NumPartitions: 2, ReplicationFactor: 1}, false); err != nil {
		fail("create topic", err)
	}
	topics, err := admin.ListTopics()
	if err != nil {
		fail("list topics", err)
	}

	producer, err := sarama.NewSyncProducer(brokers, cfg)
	if err != nil {
		fail("producer", err)
	}
	acks := [][3]int64{}
	for i := 0; i < count; i++ {
		msg := &sarama.ProducerMessage{
			Topic:     topic,
			Partition: int32(i % 2),
			Key:       sarama.StringEncoder(fmt.Sprintf("go-%04d", i)),
			Value:     sarama.ByteEncoder(append([]byte(fmt.Sprintf("sarama value %d ", i)), make([]byte, i%13)...)),
			Headers:   []sarama.RecordHeader{{Key: []byte("i"), Value: []byte(strconv.Itoa(i))}},
		}
		p, o, err := producer.SendMessage(msg)
		if err != nil {
			fail(fmt.Sprintf("send %d", i), err)
		}
		acks = append(acks, [3]int64{int64(i), int64(p), o})
	}
	if err := producer.Close(); err != nil {
		fail("producer close", err)
	}

	cg, err := sarama.NewConsumerGroup(brokers, group, cfg)
	if err != nil {
		fail("consumer group", err)
	}
	h := &handler{want: count, done: make(chan struct{})}
	ctx, cancel := context.WithCancel(context.Background())
	consumed := make(chan error, 1)
	go func() {
		for ctx.Err() == nil {
			if err := cg.Consume(ctx, []string{topic}, h); err != nil {
				consumed <- err
				return
			}
		}
		consumed <- nil
	}()
	select {
	case <-h.done:
	case <-time.After(30 * time.Second):
		fail("consume", fmt.Errorf("only %d of %d records after 30 s", len(h.got), count))
	}
	cancel()
	if err := <-consumed; err != nil {
		fail("consume", err)
	}
	if err := cg.Close(); err != nil {
		fail("consumer group close", err)
	}

	offsets, err := admin.ListConsumerGroupOffsets(group, map[string][]int32{topic: {0, 1}})
	if err != nil {
		fail("list group offsets", err)
	}
	committed := map[string]int64{}
	for p := int32(0); p < 2; p++ {
		b := offsets.GetBlock(topic, p)
		if b == nil {
			fail("list group offsets", fmt.Errorf("no block for partition %d", p))
		}
		committed[strconv.Itoa(int(p))] = b.Offset
	}
	groups, err := admin.DescribeConsumerGroups([]string{group})
	if err != nil {
		fail("describe group", err)
	}
	_ = admin.Close()

	out := map[string]interface{}{
		"topicPartitions": topics[topic].NumPartitions,
		"acks":            acks,
		"records":         h.got,
		"claims":          h.claims,
		"committed":       committed,
		"groupState":      groups[0].State,
		"groupProtocol":   groups[0].ProtocolType,
	}
	if err := json.NewEncoder(os.Stdout).Encode(out); err != nil {
		fail("json", err)
	}
}
