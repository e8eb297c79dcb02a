from sobre.cli import main

main()
