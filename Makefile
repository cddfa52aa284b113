# The two commands the README starts with. Both set up what they need first.
.PHONY: demo test setup bench generate lint

setup:
	@bash scripts/setup.sh

demo: setup
	@npm run --silent demo

test: setup
	@npm test

bench: setup
	@npm run bench

generate: setup
	@npm run generate

# helm lint and helm template of charts/chaoscraft where helm is installed; says it skipped them where not.
lint:
	@bash scripts/helm-lint.sh
