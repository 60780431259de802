"""Writes a benchmark's figures into docs/benchmarks.md between its markers
(<!-- bench:NAME:begin --> and <!-- bench:NAME:end -->), adding a section with `heading` at the
end the first time. Imported by the Python parts of scripts/bench*.sh."""


def write_section(doc, name, heading, figures, intro=""):
    begin, end = f"<!-- bench:{name}:begin -->", f"<!-- bench:{name}:end -->"
    try:
        with open(doc) as f:
            text = f.read()
    except FileNotFoundError:
        text = "# Benchmarks\n\nRun `make bench`.\n"
    if begin not in text or end not in text:
        text = text.rstrip("\n") + f"\n\n## {heading}\n\n{intro}{begin}\n{end}\n"
    pre, rest = text.split(begin, 1)
    post = rest.split(end, 1)[1]
    with open(doc, "w") as f:
        f.write(f"{pre}{begin}\n{figures}\n{end}{post}")
    print(f"Figures written to {doc}")
