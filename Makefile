# The targets CI and developers share. `make test` is the README's command.
.PHONY: test vet fmt tidy fuzz bench ci

test:
	go test -count=1 -race ./...

vet:
	go vet ./...

fmt:
	gofmt -l -w .

tidy:
	go mod tidy && git diff --exit-code go.mod go.sum

fuzz:
	for t in $$(go test -list 'Fuzz.*' ./message/ | grep '^Fuzz'); do \
		go test -run '^$$' -fuzz "^$$t\$$" -fuzztime 10s ./message/ || exit 1; done

bench:
	go test -run '^$$' -bench . -benchmem ./...

ci:
	bash .ci/run
