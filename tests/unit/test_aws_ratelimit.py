#!/usr/bin/python3
"""Drives botocore's adaptive rate limiter (ClientRateLimiter, RateClocker,
TokenBucket, CubicCalculator) on a fake clock with random answers, for
tests/unit/test_aws_ratelimit.c, which replays the same events on
cellscan's limiter and compares the rates.

  /usr/bin/python3 tests/unit/test_aws_ratelimit.py COUNT SEED
Output lines: "<time> <throttled 0|1> <fill rate> <measured rate> <enabled>".
"""
import random
import sys

from botocore.retries import adaptive, bucket, throttling


class FakeClock:
    def __init__(self, t):
        self.t = t

    def current_time(self):
        return self.t

    def sleep(self, amount):
        self.t += amount


class Detector:
    def is_throttling_error(self, **kwargs):
        return kwargs["throttled"]


def main():
    count = int(sys.argv[1])
    rng = random.Random(int(sys.argv[2]))
    clock = FakeClock(1000.3)
    cubic = throttling.CubicCalculator(starting_max_rate=0, start_time=clock.current_time())
    tb = bucket.TokenBucket(max_rate=1, clock=clock)
    clocker = adaptive.RateClocker(clock)
    limiter = adaptive.ClientRateLimiter(cubic, clocker, tb, Detector(), clock)
    print(f"{clock.t!r} start")
    p_throttle = 0.02
    for i in range(count):
        clock.t += rng.expovariate(rng.choice([2.0, 10.0, 50.0, 200.0]))
        if i % 500 == 0:
            p_throttle = rng.choice([0.0, 0.01, 0.05, 0.3])
        throttled = rng.random() < p_throttle
        limiter.on_receiving_response(throttled=throttled)
        print(f"{clock.t!r} {int(throttled)} {tb.max_rate!r} {clocker.measured_rate!r} "
              f"{int(limiter._enabled)}")


if __name__ == "__main__":
    main()
