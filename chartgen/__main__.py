from chartgen.cli import main

main()
