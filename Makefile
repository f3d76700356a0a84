# The two commands of the README, plus benchmarks. Each sets up the Python it needs (scripts/python.sh).
.PHONY: test demo bench emulator clean

test:            ## pure tier + linters always; Odoo tier when `odoo` 19.0 and PostgreSQL are here
	@bash scripts/test.sh

demo:            ## Odoo with the module, demo data and the AR24 emulator on http://127.0.0.1:8069
	@bash scripts/demo.sh

bench:           ## prints the performance figures (see README)
	@bash scripts/python.sh bench scripts/bench.py $(BENCH_ARGS)

emulator:        ## the AR24 emulator alone on http://127.0.0.1:8024/api/
	@bash scripts/python.sh demo -m ar24.emulator --port 8024

clean:
	rm -rf .build
