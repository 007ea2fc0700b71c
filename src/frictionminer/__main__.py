from frictionminer.cli import main

main()
