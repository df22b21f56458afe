def run() -> None:
    print("ok")
